#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Concord's JSON writer: compact, keys in the order given (``Shape`` gives them sorted by
/// their bytes), the escaping `JSONEncoder` uses, nil optionals left out. Every
/// ``JSONValue`` is written by it; `JSONEncoder` is used only for pretty output.
public struct JSONWriter {
    /// The UTF-8 written so far.
    public private(set) var bytes: [UInt8] = []

    /// An empty writer with room for `capacity` bytes before it grows.
    public init(capacity: Int = 512) { bytes.reserveCapacity(capacity) }

    /// Appends literal bytes (punctuation, `null`) unescaped.
    @inline(__always) public mutating func raw(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Appends one byte unescaped.
    @inline(__always) public mutating func byte(_ b: UInt8) { bytes.append(b) }

    /// Appends JSON that is already encoded (a stored record, say).
    public mutating func append(encoded: some Collection<UInt8>) { bytes.append(contentsOf: encoded) }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)
    private static let upperHex: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// A JSON string, escaped as `JSONEncoder` escapes it (`/` left as it is).
    public mutating func string(_ s: String) {
        byte(0x22)
        var s = s
        s.withUTF8 { utf8 in
            var start = 0
            for (i, c) in utf8.enumerated() where c < 0x20 || c == 0x22 || c == 0x5C {
                if start < i { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<i])) }
                switch c {
                case 0x22: raw("\\\"")
                case 0x5C: raw("\\\\")
                case 0x0A: raw("\\n")
                case 0x0D: raw("\\r")
                case 0x09: raw("\\t")
                case 0x08: raw("\\b")
                case 0x0C: raw("\\f")
                default:
                    raw("\\u00")
                    byte(Self.hex[Int(c >> 4)])
                    byte(Self.hex[Int(c & 0xF)])
                }
                start = i + 1
            }
            if start < utf8.count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...])) }
        }
        byte(0x22)
    }

    /// A whole number in decimal.
    public mutating func int(_ n: Int64) {
        if n == 0 { return byte(0x30) }
        var v = n.magnitude
        var digits: [UInt8] = []
        digits.reserveCapacity(20)
        while v > 0 {
            digits.append(UInt8(truncatingIfNeeded: v % 10) + 0x30)
            v /= 10
        }
        if n < 0 { byte(0x2D) }
        bytes.append(contentsOf: digits.reversed())
    }

    /// `true` or `false`.
    public mutating func bool(_ b: Bool) { b ? raw("true") : raw("false") }

    /// A UUID in upper case, as Foundation writes it.
    public mutating func uuid(_ id: UUID) {
        byte(0x22)
        withUnsafeBytes(of: id.uuid) { raw in
            for (i, b) in raw.enumerated() {
                if i == 4 || i == 6 || i == 8 || i == 10 { byte(0x2D) }
                byte(Self.upperHex[Int(b >> 4)])
                byte(Self.upperHex[Int(b & 0xF)])
            }
        }
        byte(0x22)
    }

    /// An object: `body` writes its members with `key`, in sorted order.
    public mutating func object(_ body: (inout ObjectWriter) -> Void) {
        byte(0x7B)
        // The bytes move into the object writer and back (swapped, never copied: a copy
        // left alive would make the next append copy the whole document, once per object).
        var o = ObjectWriter(writer: JSONWriter(capacity: 0))
        swap(&self, &o.writer)
        body(&o)
        swap(&self, &o.writer)
        byte(0x7D)
    }

    /// An array: `element` writes each item, in order; the writer adds the commas.
    public mutating func array<T>(_ items: some Sequence<T>, _ element: (inout JSONWriter, T) -> Void) {
        byte(0x5B)
        var first = true
        for item in items {
            if !first { byte(0x2C) }
            first = false
            element(&self, item)
        }
        byte(0x5D)
    }
}

/// Writes the members of one object, commas included.
public struct ObjectWriter {
    var writer: JSONWriter
    var first = true

    /// Writes member `name` (the caller keeps keys in order), its value written by `value`.
    public mutating func key(_ name: StaticString, _ value: (inout JSONWriter) -> Void) {
        if !first { writer.byte(0x2C) }
        first = false
        writer.byte(0x22)
        writer.raw(name)
        writer.raw("\":")
        value(&writer)
    }

    /// Writes member `name` with a string value.
    public mutating func key(_ name: StaticString, string: String) { key(name) { $0.string(string) } }
    /// Writes member `name` with a string value; `nil` leaves the member out.
    public mutating func key(_ name: StaticString, string: String?) {
        if let string { key(name) { $0.string(string) } }
    }
    /// Writes member `name` with a whole number.
    public mutating func key(_ name: StaticString, int: Int64) { key(name) { $0.int(int) } }
    /// Writes member `name` with `true` or `false`.
    public mutating func key(_ name: StaticString, bool: Bool) { key(name) { $0.bool(bool) } }
    /// Writes member `name` with a UUID string.
    public mutating func key(_ name: StaticString, uuid: UUID) { key(name) { $0.uuid(uuid) } }
    /// Writes member `name` with any value; `nil` leaves the member out.
    public mutating func key(_ name: StaticString, _ value: (some JSONValue)?) {
        if let value { key(name) { value.write(to: &$0) } }
    }

    /// Starts a member whose name is data (escaped as any string is).
    public mutating func key(dynamic name: String, _ value: (inout JSONWriter) -> Void) {
        if !first { writer.byte(0x2C) }
        first = false
        writer.string(name)
        writer.byte(0x3A)
        value(&writer)
    }
}

extension UUID {
    /// Parses the 8-4-4-4-12 hex form in either case, without going through `sscanf`.
    public init?(fast text: String) {
        var bytes = [UInt8]()
        bytes.reserveCapacity(16)
        var high: UInt8?
        var count = 0
        for (i, c) in text.utf8.enumerated() {
            count += 1
            if i == 8 || i == 13 || i == 18 || i == 23 {
                guard c == UInt8(ascii: "-") else { return nil }
                continue
            }
            let v: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): v = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): v = c - UInt8(ascii: "A") + 10
            default: return nil
            }
            if let h = high {
                bytes.append(h << 4 | v)
                high = nil
            } else {
                high = v
            }
        }
        guard count == 36, bytes.count == 16 else { return nil }
        self.init(
            uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8], bytes[9],
                bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
            ))
    }

    /// The upper-case text form, as `uuidString` writes it, without going through `snprintf`.
    public var canonicalString: String {
        var w = JSONWriter(capacity: 38)
        w.uuid(self)
        return String(decoding: w.bytes.dropFirst().dropLast(), as: UTF8.self)
    }
}
