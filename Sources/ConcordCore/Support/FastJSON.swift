#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A hand-written JSON writer for the hub's hot paths (stored records, stored changes and
/// results, API answers). It writes exactly the bytes `ConcordJSON.encode(_, pretty: false)`
/// writes — sorted keys, the same escaping, nil optionals left out — several times faster;
/// a test holds the two byte-for-byte equal.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 512) { bytes.reserveCapacity(capacity) }

    @inline(__always) mutating func raw(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    @inline(__always) mutating func byte(_ b: UInt8) { bytes.append(b) }

    /// Appends JSON that is already encoded (a stored record, say).
    public mutating func append(encoded: some Collection<UInt8>) { bytes.append(contentsOf: encoded) }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)
    private static let upperHex: [UInt8] = Array("0123456789ABCDEF".utf8)

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
        var o = ObjectWriter(writer: self)
        self = JSONWriter(capacity: 0)
        body(&o)
        self = o.writer
        byte(0x7D)
    }

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

    /// Starts member `name` (keys must be given in sorted order) and returns the writer for its value.
    public mutating func key(_ name: StaticString, _ value: (inout JSONWriter) -> Void) {
        if !first { writer.byte(0x2C) }
        first = false
        writer.byte(0x22)
        writer.raw(name)
        writer.raw("\":")
        value(&writer)
    }

    public mutating func key(_ name: StaticString, string: String) { key(name) { $0.string(string) } }
    public mutating func key(_ name: StaticString, string: String?) {
        if let string { key(name) { $0.string(string) } }
    }
    public mutating func key(_ name: StaticString, int: Int64) { key(name) { $0.int(int) } }
    public mutating func key(_ name: StaticString, bool: Bool) { key(name) { $0.bool(bool) } }
    public mutating func key(_ name: StaticString, uuid: UUID) { key(name) { $0.uuid(uuid) } }
    public mutating func key(_ name: StaticString, _ value: (some FastJSONEncodable)?) {
        if let value { key(name) { value.write(to: &$0) } }
    }
    public mutating func key<T: FastJSONEncodable>(_ name: StaticString, array: [T]) {
        key(name) { $0.array(array) { w, item in item.write(to: &w) } }
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

/// A type the fast writer can write.
public protocol FastJSONEncodable {
    func write(to writer: inout JSONWriter)
}

extension FastJSONEncodable {
    /// The compact JSON of this value (byte-equal to `ConcordJSON.encode(_, pretty: false)`).
    public var fastJSON: [UInt8] {
        var w = JSONWriter()
        write(to: &w)
        return w.bytes
    }
}

extension String: FastJSONEncodable {
    public func write(to w: inout JSONWriter) { w.string(self) }
}

extension AgencyID: FastJSONEncodable {
    public func write(to w: inout JSONWriter) { w.string(rawValue) }
}

extension ActionAddress: FastJSONEncodable {
    public func write(to w: inout JSONWriter) { w.string(description) }
}

extension LocalDate: FastJSONEncodable {
    public func write(to w: inout JSONWriter) { w.string(description) }
}

extension Timestamp: FastJSONEncodable {
    public func write(to w: inout JSONWriter) { w.string(description) }
}

extension FieldValue: FastJSONEncodable {
    public func write(to w: inout JSONWriter) {
        switch self {
        case .null: w.raw("null")
        case .text(let s): w.string(s)
        case .flag(let b): w.bool(b)
        case .list(let l): w.array(l) { $0.string($1) }
        }
    }
}

extension Retraction: FastJSONEncodable {
    public func write(to w: inout JSONWriter) {
        w.object { o in
            o.key("at", at)
            o.key("by", by)
            o.key("reason", string: reason)
        }
    }
}

extension EvidenceItem: FastJSONEncodable {
    public func write(to w: inout JSONWriter) {
        w.object { o in
            o.key("author", author)
            o.key("id", uuid: id)
            o.key("kind", string: kind.rawValue)
            o.key("recordedAt", recordedAt)
            o.key("reference", string: reference)
            o.key("retraction", retraction)
            o.key("summary", string: summary)
        }
    }
}

extension ProgressNote: FastJSONEncodable {
    public func write(to w: inout JSONWriter) {
        w.object { o in
            o.key("author", author)
            o.key("id", uuid: id)
            o.key("recordedAt", recordedAt)
            o.key("reference", string: reference)
            o.key("retraction", retraction)
            o.key("text", string: text)
        }
    }
}

extension TargetDateChange: FastJSONEncodable {
    public func write(to w: inout JSONWriter) {
        w.object { o in
            o.key("at", at)
            o.key("by", by)
            o.key("from", from)
            o.key("id", uuid: id)
            o.key("reason", string: reason)
            o.key("to", to)
        }
    }
}

extension Action: FastJSONEncodable {
    public func write(to w: inout JSONWriter) {
        w.object { o in
            o.key("archived", bool: archived)
            o.key("completedOn", completedOn)
            o.key("description", string: description)
            o.key("evidence", array: evidence)
            o.key("leadOfficer", string: leadOfficer)
            o.key("notes", array: notes)
            o.key("ownerAgency", ownerAgency)
            o.key("plan") { $0.string(plan.rawValue) }
            o.key("progress", string: progress)
            o.key("rag", string: rag)
            o.key("recommendation", string: recommendation)
            o.key("ref") { $0.string(ref.rawValue) }
            o.key("revision", int: revision)
            o.key("signOff", string: signOff)
            o.key("successMeasure", string: successMeasure)
            o.key("supportingAgencies", array: supportingAgencies)
            o.key("targetDate", targetDate)
            o.key("targetDateHistory", array: targetDateHistory)
            o.key("title", string: title)
        }
    }
}

extension FieldChange: FastJSONEncodable {
    public func write(to w: inout JSONWriter) {
        w.object { o in
            o.key("from") { from.write(to: &$0) }
            o.key("to") { to.write(to: &$0) }
        }
    }
}

extension Append: FastJSONEncodable {
    public func write(to w: inout JSONWriter) {
        w.object { o in
            switch self {
            case .evidence(let e): o.key("evidence") { e.write(to: &$0) }
            case .note(let n): o.key("note") { n.write(to: &$0) }
            case .retract(let r):
                o.key("retract") { w in
                    w.object { o in
                        o.key("item", uuid: r.item)
                        o.key("reason", string: r.reason)
                    }
                }
            }
        }
    }
}

extension Change: FastJSONEncodable {
    public func write(to w: inout JSONWriter) {
        w.object { o in
            o.key("action", action)
            o.key("append", array: append)
            o.key("baseRevision", int: baseRevision)
            o.key("create", bool: create)
            o.key("id", uuid: id)
            o.key("madeAt", madeAt)
            o.key("reason", string: reason)
            o.key("set") { w in
                w.object { o in
                    for (name, edit) in set.sorted(by: { $0.key < $1.key }) {
                        if !o.first { o.writer.byte(0x2C) }
                        o.first = false
                        o.writer.string(name)
                        o.writer.byte(0x3A)
                        edit.write(to: &o.writer)
                    }
                }
            }
        }
    }
}

extension Violation: FastJSONEncodable {
    public func write(to w: inout JSONWriter) {
        w.object { o in
            o.key("action", action)
            o.key("field", string: field)
            o.key("message", string: message)
            o.key("rule", string: rule.rawValue)
        }
    }
}

extension ConflictNotice: FastJSONEncodable {
    public func write(to w: inout JSONWriter) {
        w.object { o in
            o.key("base") { base.write(to: &$0) }
            o.key("field", string: field.rawValue)
            o.key("hub") { hub.write(to: &$0) }
            o.key("id", int: id)
            o.key("incoming") { incoming.write(to: &$0) }
        }
    }
}

extension ChangeResult: FastJSONEncodable {
    public func write(to w: inout JSONWriter) {
        w.object { o in
            o.key("action", action)
            o.key("conflicts", array: conflicts)
            o.key("flags", array: flags)
            o.key("id", uuid: id)
            o.key("outcome", string: outcome.rawValue)
            if let revision { o.key("revision", int: revision) }
            o.key("seq", int: seq)
            o.key("violations", array: violations)
        }
    }
}
