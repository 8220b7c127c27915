import CCrypto
import ConcordCore

/// A plan's protected names (the children a review is about), kept only as digests: the hub
/// stores them, agents are sent them, and neither holds the names (issue 14).
///
/// A name's digest is SHA-256 of a fixed label, the plan's id and the name's key
/// (``Screener/nameKey(_:)``: its words lower-cased, one space apart). The plan's id salts
/// it, so one child's digest differs from plan to plan. Each name's first word is kept as a
/// digest too, so that screening hashes each word of a text once, not every run of one to
/// three words. A digest keeps the list from being read; it cannot keep someone who guesses
/// a name from testing the guess, which is why only the plan's partners, who know the child,
/// are sent them.
public struct ProtectedNames: Sendable, Hashable {
    /// The plan the names belong to.
    public let plan: PlanID
    /// The names' digests, as lower-case hex.
    public let digests: Set<String>
    /// The digests of the names' first words, as lower-case hex.
    public let firstWords: Set<String>

    /// The protected names of `plan` from their digests and their first words' (hex;
    /// others are ignored).
    public init(plan: PlanID, digests: some Sequence<String>, firstWords: some Sequence<String>) {
        self.plan = plan
        self.digests = Self.valid(digests)
        self.firstWords = Self.valid(firstWords)
    }

    static func valid(_ hex: some Sequence<String>) -> Set<String> {
        Set(hex.filter { $0.utf8.count == 64 && $0.allSatisfy(\.isHexDigit) }.map { $0.lowercased() })
    }

    /// The digests of `name` in `plan`: the name's and its first word's; `nil` when the name
    /// has no word or more than ``Screener/maxNameWords``.
    public static func digests(of name: String, plan: PlanID) -> (name: String, firstWord: String)? {
        guard let keys = Screener.nameKeys(name), let first = keys.first else { return nil }
        let hasher = Hasher(plan: plan)
        return (hasher.hex(Array(keys.joined(separator: [UInt8(ascii: " ")]))), hasher.hex(first))
    }

    /// A screener that finds these names (one that looks for none when there are none).
    public var screener: Screener {
        guard !digests.isEmpty else { return Screener() }
        let hasher = Hasher(plan: plan)
        let names = Digests(digests.compactMap(Digest.init(hex:)))
        let firsts = Digests(firstWords.compactMap(Digest.init(hex:)))
        return Screener(
            names: NameMatcher(
                mayBegin: { firsts.contains(hasher.digest($0)) }, isProtected: { names.contains(hasher.digest($0)) }))
    }

    /// SHA-256 with the plan's prefix hashed once.
    final class Hasher: @unchecked Sendable {
        /// Read-only after `init`; each digest copies it.
        private var prefix = SHA256_CTX()

        init(plan: PlanID) {
            let label = Array("concord-protected-name/v1\u{0}\(plan.rawValue)\u{0}".utf8)
            label.withUnsafeBytes { ccrypto_sha256_prefix(&prefix, $0.baseAddress, $0.count) }
        }

        func digest(_ key: ArraySlice<UInt8>) -> Digest {
            var out = Digest()
            withUnsafeMutableBytes(of: &out.bytes) { raw in
                key.withUnsafeBytes { k in
                    withUnsafePointer(to: prefix) { state in
                        ccrypto_sha256_finish(
                            state, k.baseAddress, k.count, raw.baseAddress!.assumingMemoryBound(to: UInt8.self))
                    }
                }
            }
            return out
        }

        func hex(_ key: [UInt8]) -> String { digest(key[...]).hex }
    }

    /// Digests, sorted by their first eight bytes: a lookup asked of every word compares a
    /// few integers, without hashing.
    struct Digests: Sendable {
        let sorted: [Digest]

        init(_ digests: [Digest]) { sorted = digests.sorted { $0.bytes.0 < $1.bytes.0 } }

        func contains(_ digest: Digest) -> Bool {
            var (low, high) = (0, sorted.count)
            while low < high {
                let mid = (low + high) / 2
                if sorted[mid].bytes.0 < digest.bytes.0 { low = mid + 1 } else { high = mid }
            }
            while low < sorted.count, sorted[low].bytes.0 == digest.bytes.0 {
                if sorted[low] == digest { return true }
                low += 1
            }
            return false
        }
    }

    /// A digest's 32 bytes.
    struct Digest: Hashable {
        var bytes: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

        init() {}

        init?(hex: String) {
            let values = Array(hex.utf8).map { b -> UInt8? in
                switch b {
                case 48...57: b - 48
                case 97...102: b - 87
                default: nil
                }
            }
            guard values.count == 64, !values.contains(nil) else { return nil }
            withUnsafeMutableBytes(of: &bytes) { raw in
                for i in 0..<32 { raw[i] = values[2 * i]! << 4 | values[2 * i + 1]! }
            }
        }

        var hex: String {
            let digits = Array("0123456789abcdef".utf8)
            var out: [UInt8] = []
            withUnsafeBytes(of: bytes) { raw in
                for byte in raw { out += [digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]] }
            }
            return String(decoding: out, as: UTF8.self)
        }

        static func == (a: Digest, b: Digest) -> Bool {
            a.bytes.0 == b.bytes.0 && a.bytes.1 == b.bytes.1 && a.bytes.2 == b.bytes.2 && a.bytes.3 == b.bytes.3
        }

        func hash(into hasher: inout Swift.Hasher) {
            hasher.combine(bytes.0)
            hasher.combine(bytes.1)
        }
    }
}
