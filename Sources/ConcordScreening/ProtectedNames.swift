import CCrypto
import ConcordCore

/// A plan's protected names (the children a review is about), kept only as digests: the hub
/// stores them, agents are sent them, and neither holds the names (issue 14).
///
/// A digest is SHA-256 of a fixed label, the plan's id and the name's key
/// (``Screener/nameKey(_:)``: its words lower-cased, one space apart). The plan's id salts
/// it, so one child's digest differs from plan to plan. A digest keeps the list from being
/// read; it cannot keep a partner who guesses a name from testing the guess, which is why
/// only partners are sent it.
public struct ProtectedNames: Sendable, Hashable {
    /// The plan the names belong to.
    public let plan: PlanID
    /// The digests, as lower-case hex.
    public let digests: Set<String>

    /// The protected names of `plan` from their digests (hex; others are ignored).
    public init(plan: PlanID, digests: some Sequence<String>) {
        self.plan = plan
        self.digests = Set(digests.filter { $0.count == 64 && $0.allSatisfy(\.isHexDigit) }.map { $0.lowercased() })
    }

    /// The digest of `name` in `plan`, or `nil` when the name has no word or more than
    /// ``Screener/maxNameWords``.
    public static func digest(of name: String, plan: PlanID) -> String? {
        Screener.nameKey(name).map { digest(key: $0, plan: plan) }
    }

    /// The digest of a name's key.
    static func digest(key: String, plan: PlanID) -> String {
        var input = Array("concord-protected-name/v1\u{0}\(plan.rawValue)\u{0}".utf8)
        input += key.utf8
        var out = [UInt8](repeating: 0, count: 32)
        var size: UInt32 = 0
        let ok = input.withUnsafeBytes { bytes in
            EVP_Digest(bytes.baseAddress, bytes.count, &out, &size, EVP_sha256(), nil)
        }
        precondition(ok == 1 && size == 32, "libcrypto's SHA-256 failed")
        return String(unsafeUninitializedCapacity: 64) { buffer in
            let hex = Array("0123456789abcdef".utf8)
            for (i, byte) in out.enumerated() {
                buffer[2 * i] = hex[Int(byte >> 4)]
                buffer[2 * i + 1] = hex[Int(byte & 0x0F)]
            }
            return 64
        }
    }

    /// A screener that finds these names (one that looks for none when there are none).
    public var screener: Screener {
        guard !digests.isEmpty else { return Screener() }
        let (digests, plan) = (self.digests, self.plan)
        return Screener { digests.contains(Self.digest(key: $0, plan: plan)) }
    }
}
