import Crypto
import Foundation

/// Bearer tokens: 32 random bytes, base64url, prefixed `cch_` so a leaked one is easy to
/// recognise. Only their SHA-256 is stored; tokens have full entropy, so a fast hash is right.
public enum Tokens {
    /// A new token: `cch_` and 32 random bytes in unpadded base64url (47 characters).
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let b64 = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return "cch_" + b64
    }

    /// The SHA-256 of the token's UTF-8 (32 bytes): what the database stores and looks up.
    public static func hash(_ token: String) -> Data {
        Data(SHA256.hash(data: Data(token.utf8)))
    }
}
