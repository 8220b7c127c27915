import Crypto
import Foundation

/// Bearer tokens: 32 random bytes, base64url, prefixed `cch_` so a leaked one is easy to
/// recognise. Only their SHA-256 is stored; tokens have full entropy, so a fast hash is right.
public enum Tokens {
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let b64 = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return "cch_" + b64
    }

    public static func hash(_ token: String) -> Data {
        Data(SHA256.hash(data: Data(token.utf8)))
    }
}
