#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The fast reader met something it does not read itself (an escaped key, a duplicate key,
/// a number with a fraction, a value of the wrong type, a missing member…). Callers then
/// read the input with Codable, which either reads it or explains what is wrong with it,
/// so the fast path never changes what is accepted or what an error says.
public struct FastJSONUnsupported: Error, Sendable {
    /// The signal to fall back to Codable; it carries nothing.
    public init() {}
}

/// A hand-written JSON reader for the hot paths that read records (an agent reading the
/// hub's pull answers, the hub loading stored records). It reads what ``JSONWriter``
/// writes, and any other JSON of the same shape, into the same values `JSONDecoder`
/// produces — a test holds the two equal — several times faster.
public struct JSONReader {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var i = 0
    private var depth = 0

    /// A reader at the start of `bytes`, which must stay valid while it reads.
    public init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    @inline(__always) private mutating func skipSpace() {
        while i < bytes.count {
            let c = bytes[i]
            guard c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { return }
            i += 1
        }
    }

    /// The next significant byte, not consumed.
    @inline(__always) private mutating func peek() throws(FastJSONUnsupported) -> UInt8 {
        skipSpace()
        guard i < bytes.count else { throw FastJSONUnsupported() }
        return bytes[i]
    }

    @inline(__always) private mutating func expect(_ c: UInt8) throws(FastJSONUnsupported) {
        guard try peek() == c else { throw FastJSONUnsupported() }
        i += 1
    }

    /// The first byte of the next value, not consumed (to tell a union's cases apart).
    public mutating func peekByte() throws(FastJSONUnsupported) -> UInt8 { try peek() }

    /// Only white space is left.
    public mutating func end() throws(FastJSONUnsupported) {
        skipSpace()
        guard i == bytes.count else { throw FastJSONUnsupported() }
    }

    /// Consumes `null` if it comes next.
    public mutating func null() throws(FastJSONUnsupported) -> Bool {
        guard try peek() == 0x6E else { return false }
        try literal("null")
        return true
    }

    private mutating func literal(_ word: StaticString) throws(FastJSONUnsupported) {
        let n = word.utf8CodeUnitCount
        guard i + n <= bytes.count, sameBytes(word.utf8Start, bytes.baseAddress! + i, n) else {
            throw FastJSONUnsupported()
        }
        i += n
    }

    /// A JSON `true` or `false`; anything else throws.
    public mutating func bool() throws(FastJSONUnsupported) -> Bool {
        switch try peek() {
        case 0x74:
            try literal("true")
            return true
        case 0x66:
            try literal("false")
            return false
        default: throw FastJSONUnsupported()
        }
    }

    /// A whole number that fits in 64 bits, written without fraction or exponent.
    public mutating func int64() throws(FastJSONUnsupported) -> Int64 {
        var negative = false
        if try peek() == 0x2D {
            negative = true
            i += 1
        }
        let start = i
        var magnitude: UInt64 = 0
        while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 {
            let (m, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(UInt64(bytes[i] - 0x30))
            guard !o1, !o2 else { throw FastJSONUnsupported() }
            magnitude = s
            i += 1
        }
        guard i > start, i - start == 1 || bytes[start] != 0x30 else { throw FastJSONUnsupported() }
        if i < bytes.count, bytes[i] == 0x2E || bytes[i] == 0x65 || bytes[i] == 0x45 { throw FastJSONUnsupported() }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { throw FastJSONUnsupported() }
            return magnitude == UInt64(Int64.max) + 1 ? .min : -Int64(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { throw FastJSONUnsupported() }
        return Int64(magnitude)
    }

    /// The raw bytes of a string without escapes (the usual case), and whether it had any.
    private mutating func stringBytes() throws(FastJSONUnsupported) -> (Range<Int>, escaped: Bool) {
        try expect(0x22)
        let start = i
        var escaped = false
        while i < bytes.count {
            let c = bytes[i]
            if c == 0x22 {
                i += 1
                return (start..<i - 1, escaped)
            }
            if c < 0x20 { throw FastJSONUnsupported() }
            if c == 0x5C {
                escaped = true
                i += 1
            }
            i += 1
        }
        throw FastJSONUnsupported()
    }

    /// A string with its escapes undone; throws on a control character, a bad escape or invalid UTF-8.
    // Long: JSON's string escapes (with surrogate pairs) in one loop, the hot path of every read.
    public mutating func string() throws(FastJSONUnsupported) -> String {
        let (range, escaped) = try stringBytes()
        let raw = UnsafeBufferPointer(rebasing: bytes[range])
        guard escaped else {
            guard let s = String(validating: raw, as: UTF8.self) else { throw FastJSONUnsupported() }
            return s
        }
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var j = 0
        func hex4(_ at: Int) throws(FastJSONUnsupported) -> UInt32 {
            guard at + 4 <= raw.count else { throw FastJSONUnsupported() }
            var v: UInt32 = 0
            for k in at..<at + 4 {
                let c = raw[k]
                let d: UInt8
                switch c {
                case 0x30...0x39: d = c - 0x30
                case 0x61...0x66: d = c - 0x61 + 10
                case 0x41...0x46: d = c - 0x41 + 10
                default: throw FastJSONUnsupported()
                }
                v = v << 4 | UInt32(d)
            }
            return v
        }
        while j < raw.count {
            let c = raw[j]
            guard c == 0x5C else {
                out.append(c)
                j += 1
                continue
            }
            guard j + 1 < raw.count else { throw FastJSONUnsupported() }
            switch raw[j + 1] {
            case 0x22: out.append(0x22)
            case 0x5C: out.append(0x5C)
            case 0x2F: out.append(0x2F)
            case 0x62: out.append(0x08)
            case 0x66: out.append(0x0C)
            case 0x6E: out.append(0x0A)
            case 0x72: out.append(0x0D)
            case 0x74: out.append(0x09)
            case 0x75:
                var scalar = try hex4(j + 2)
                j += 4
                if (0xD800..<0xDC00).contains(scalar) {
                    // A surrogate pair: \uD83D\uDE00.
                    guard j + 7 < raw.count, raw[j + 2] == 0x5C, raw[j + 3] == 0x75 else { throw FastJSONUnsupported() }
                    let low = try hex4(j + 4)
                    guard (0xDC00..<0xE000).contains(low) else { throw FastJSONUnsupported() }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    j += 6
                }
                guard let u = Unicode.Scalar(scalar) else { throw FastJSONUnsupported() }
                out.append(contentsOf: UTF8.encode(u)!)
            default: throw FastJSONUnsupported()
            }
            j += 2
        }
        guard let s = String(validating: out, as: UTF8.self) else { throw FastJSONUnsupported() }
        return s
    }

    /// A string that must parse as `T`.
    public mutating func parsed<T>(_ parse: (String) -> T?) throws(FastJSONUnsupported) -> T {
        guard let value = parse(try string()) else { throw FastJSONUnsupported() }
        return value
    }

    /// `null` or a value.
    public mutating func optional<T>(
        _ read: (inout JSONReader) throws(FastJSONUnsupported) -> T
    ) throws(FastJSONUnsupported) -> T? {
        try null() ? nil : try read(&self)
    }

    /// An object: `member` is called with each key and must consume the value. Keys are
    /// handed out as bytes in place when plain ASCII (all of Concord's own), else decoded as
    /// strings are: escapes undone and UTF-8 checked.
    public mutating func object(
        _ member: (inout JSONReader, JSONKey) throws(FastJSONUnsupported) -> Void
    ) throws(FastJSONUnsupported) {
        try expect(0x7B)
        depth += 1
        guard depth < 256 else { throw FastJSONUnsupported() }
        if try peek() == 0x7D {
            i += 1
            depth -= 1
            return
        }
        while true {
            let start = i
            let (range, escaped) = try stringBytes()
            let key: JSONKey
            if escaped || bytes[range].contains(where: { $0 >= 0x80 }) {
                i = start
                key = JSONKey(text: try string())
            } else {
                key = JSONKey(bytes: UnsafeBufferPointer(rebasing: bytes[range]))
            }
            try expect(0x3A)
            try member(&self, key)
            switch try peek() {
            case 0x2C: i += 1
            case 0x7D:
                i += 1
                depth -= 1
                return
            default: throw FastJSONUnsupported()
            }
        }
    }

    /// An array: `element` is called once per item and must consume it; the items in order.
    public mutating func array<T>(
        _ element: (inout JSONReader) throws(FastJSONUnsupported) -> T
    ) throws(FastJSONUnsupported) -> [T] {
        try expect(0x5B)
        var items: [T] = []
        if try peek() == 0x5D {
            i += 1
            return items
        }
        depth += 1
        guard depth < 256 else { throw FastJSONUnsupported() }
        while true {
            items.append(try element(&self))
            switch try peek() {
            case 0x2C: i += 1
            case 0x5D:
                i += 1
                depth -= 1
                return items
            default: throw FastJSONUnsupported()
            }
        }
    }

    /// Skips a number written as JSON allows: `-? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?`.
    private mutating func skipNumber() throws(FastJSONUnsupported) {
        func digits() throws(FastJSONUnsupported) -> Int {
            let from = i
            while i < bytes.count, (0x30...0x39).contains(bytes[i]) { i += 1 }
            guard i > from else { throw FastJSONUnsupported() }
            return i - from
        }
        if i < bytes.count, bytes[i] == 0x2D { i += 1 }
        let first = i
        let count = try digits()
        guard count == 1 || bytes[first] != 0x30 else { throw FastJSONUnsupported() }
        if i < bytes.count, bytes[i] == 0x2E {
            i += 1
            _ = try digits()
        }
        if i < bytes.count, bytes[i] == 0x65 || bytes[i] == 0x45 {
            i += 1
            if i < bytes.count, bytes[i] == 0x2B || bytes[i] == 0x2D { i += 1 }
            _ = try digits()
        }
    }

    /// Skips one value of any kind and returns its bytes.
    @discardableResult
    public mutating func skipValue() throws(FastJSONUnsupported) -> UnsafeBufferPointer<UInt8> {
        let start: Int
        switch try peek() {
        case 0x22:
            start = i
            _ = try string()  // checked as Codable checks it: escapes and UTF-8
        case 0x7B:
            start = i
            try object { (r, _) throws(FastJSONUnsupported) in try r.skipValue() }
        case 0x5B:
            start = i
            _ = try array { (r) throws(FastJSONUnsupported) in try r.skipValue() }
        case 0x74, 0x66:
            start = i
            _ = try bool()
        case 0x6E:
            start = i
            _ = try null()
        default:
            start = i
            try skipNumber()
        }
        return UnsafeBufferPointer(rebasing: bytes[start..<i])
    }
}

/// An object key as the reader met it; `switch key { case "plan": … }` compares bytes.
public struct JSONKey {
    /// A plain ASCII key, in place.
    let bytes: UnsafeBufferPointer<UInt8>
    /// Any other key, decoded.
    let text: String?

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
        text = nil
    }

    init(text: String) {
        bytes = UnsafeBufferPointer(start: nil, count: 0)
        self.text = text
    }

    /// The key as text.
    public var string: String { text ?? String(decoding: bytes, as: UTF8.self) }

    /// The key's UTF-8 equals `utf8`.
    @inline(__always) func equals(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        if let text { return text.utf8.elementsEqual(utf8) }
        return utf8.count == bytes.count
            && (bytes.isEmpty || sameBytes(utf8.baseAddress!, bytes.baseAddress!, bytes.count))
    }

    /// Matches a key against a literal in a `switch`, comparing UTF-8 bytes.
    public static func ~= (pattern: StaticString, key: JSONKey) -> Bool {
        pattern.withUTF8Buffer { key.equals($0) }
    }
}

@inline(__always) func sameBytes(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
    for k in 0..<n where a[k] != b[k] { return false }
    return true
}

extension JSONReader {
    /// A UUID in its usual text form; anything else throws.
    public mutating func uuid() throws(FastJSONUnsupported) -> UUID { try parsed { UUID(fast: $0) } }
}
