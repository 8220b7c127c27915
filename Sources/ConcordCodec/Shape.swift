import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A JSON object type whose form is declared once, as a ``Shape``: its members' keys and
/// stored properties. The fast writer and reader and `Codable` all come from that one list,
/// so a member added to the shape round-trips through every format at once (and a stored
/// property missing from the shape fails `ShapeTests`).
public protocol JSONRecord: JSONValue {
    /// The members, and the value reading starts from.
    static var shape: Shape<Self> { get }
}

/// The members of a ``JSONRecord``.
public struct Shape<Root> {
    /// The members in the order written: by the UTF-8 bytes of their keys.
    public let members: [Member<Root>]
    /// What reading starts from: members absent from the input keep these values. Required
    /// members are always read over it, so its placeholder values are never seen.
    public let blank: Root
    /// The bits of the members that must be present.
    let requiredBits: UInt64

    /// A shape of `members` (any order), starting from `blank`.
    public init(blank: Root, _ members: [Member<Root>]) {
        precondition(members.count <= 64, "a shape has at most 64 members")
        let sorted = members.sorted { $0.keyBytes.lexicographicallyPrecedes($1.keyBytes) }
        for (a, b) in zip(sorted, sorted.dropFirst()) {
            precondition(a.keyBytes != b.keyBytes, "\(Root.self) has two members named \(a.key)")
        }
        self.members = sorted
        self.blank = blank
        requiredBits = sorted.enumerated().reduce(0) { $0 | ($1.element.presence == .required ? 1 << $1.offset : 0) }
    }

    /// The index of the member named `key`; `hint` is where the previous key was found
    /// (members usually come in the order written, so the next one is tried first).
    @inline(__always) func index(of key: JSONKey, after hint: inout Int) -> Int? {
        let n = members.count
        for step in 0..<n {
            let i = (hint + step) % n
            if members[i].named(key) {
                hint = i + 1
                return i
            }
        }
        return nil
    }

    /// The keys, as written.
    public var keys: [String] { members.map { "\($0.key)" } }
}

extension Shape: Sendable where Root: Sendable {}

/// The shapes of generic records (which cannot have stored statics), built once per type.
public enum ShapeCache {
    private static let shapes = Mutex<[ObjectIdentifier: any Sendable]>([:])

    /// The shape of `type`, built by `build` the first time.
    public static func shape<Root: Sendable>(of type: Root.Type, _ build: () -> Shape<Root>) -> Shape<Root> {
        if let shape = shapes.withLock({ $0[ObjectIdentifier(type)] }) as? Shape<Root> { return shape }
        let shape = build()
        shapes.withLock { $0[ObjectIdentifier(type)] = shape }
        return shape
    }
}

/// What a member's absence means.
public enum Presence: Sendable {
    /// It must be there.
    case required
    /// Absent means the shape's blank value (a defaulted flag, an empty list).
    case defaulted
    /// An optional property: absent or `null` means `nil`, and `nil` is not written.
    case optional
}

/// One member of a ``Shape``: a key and the stored property it holds.
///
/// Reading and writing go straight to the property's offset in the value (from
/// `MemoryLayout.offset(of:)`, which exists for exactly this), with no key-path lookup.
public struct Member<Root>: @unchecked Sendable {
    /// The member's name in the JSON object.
    public let key: StaticString
    /// Where the property is in the record (for `FormatLaws`, which checks it is the
    /// property the key names).
    public let offset: Int
    let keyBytes: [UInt8]
    let presence: Presence
    let write: (UnsafeRawPointer, inout ObjectWriter) -> Void
    let read: (UnsafeMutableRawPointer, inout JSONReader) throws(FastJSONUnsupported) -> Void
    let encode: (UnsafeRawPointer, inout KeyedEncodingContainer<ConcordJSON.AnyKey>) throws -> Void
    let decode: (UnsafeMutableRawPointer, KeyedDecodingContainer<ConcordJSON.AnyKey>) throws -> Void

    /// A property that must be present (`defaulted: true`: absent or `null` keeps the
    /// blank's value).
    public init<Value: JSONValue>(_ key: StaticString, _ path: WritableKeyPath<Root, Value>, defaulted: Bool = false) {
        let offset = Self.offset(of: path, key)
        let name = ConcordJSON.AnyKey(stringValue: "\(key)")
        self.key = key
        self.offset = offset
        keyBytes = Self.bytes(key)
        presence = defaulted ? .defaulted : .required
        write = { root, o in
            o.key(key) { root.load(fromByteOffset: offset, as: Value.self).write(to: &$0) }
        }
        read = { (root, r) throws(FastJSONUnsupported) in
            if defaulted, try r.null() { return }
            let value = try Value(reading: &r)
            (root + offset).assumingMemoryBound(to: Value.self).pointee = value
        }
        encode = { root, c in try c.encode(root.load(fromByteOffset: offset, as: Value.self), forKey: name) }
        decode = { root, c in
            if defaulted, try c.isAbsentOrNull(name) { return }
            (root + offset).assumingMemoryBound(to: Value.self).pointee = try Value.decode(from: c, forKey: name)
        }
    }

    /// An optional property: absent or `null` reads as `nil`; `nil` is not written.
    public init<Value: JSONValue>(_ key: StaticString, _ path: WritableKeyPath<Root, Value?>) {
        let offset = Self.offset(of: path, key)
        let name = ConcordJSON.AnyKey(stringValue: "\(key)")
        self.key = key
        self.offset = offset
        keyBytes = Self.bytes(key)
        presence = .optional
        write = { root, o in
            guard let value = root.load(fromByteOffset: offset, as: Value?.self) else { return }
            o.key(key) { value.write(to: &$0) }
        }
        read = { (root, r) throws(FastJSONUnsupported) in
            let value = try r.null() ? nil : try Value(reading: &r)
            (root + offset).assumingMemoryBound(to: Value?.self).pointee = value
        }
        encode = { root, c in try c.encodeIfPresent(root.load(fromByteOffset: offset, as: Value?.self), forKey: name) }
        decode = { root, c in
            let value = try c.isAbsentOrNull(name) ? nil : try Value.decode(from: c, forKey: name)
            (root + offset).assumingMemoryBound(to: Value?.self).pointee = value
        }
    }

    /// The member is `key`.
    @inline(__always) func named(_ key: JSONKey) -> Bool {
        keyBytes.withUnsafeBufferPointer { key.equals($0) }
    }

    private static func offset(of path: PartialKeyPath<Root>, _ key: StaticString) -> Int {
        guard let offset = MemoryLayout<Root>.offset(of: path) else {
            preconditionFailure("member \(key) of \(Root.self) is not a stored property")
        }
        return offset
    }

    private static func bytes(_ key: StaticString) -> [UInt8] {
        key.withUTF8Buffer { Array($0) }
    }
}

extension KeyedDecodingContainer {
    /// `null` or absent.
    fileprivate func isAbsentOrNull(_ key: Key) throws -> Bool {
        try !contains(key) || decodeNil(forKey: key)
    }
}

extension JSONRecord {
    /// Writes the shape's members in key order, leaving out `nil` optionals.
    public func write(to w: inout JSONWriter) {
        withUnsafePointer(to: self) { p in
            w.object { o in
                for member in Self.shape.members { member.write(UnsafeRawPointer(p), &o) }
            }
        }
    }

    /// Reads an object into the shape's blank value; unknown keys are skipped, a repeated or missing member throws.
    public init(reading r: inout JSONReader) throws(FastJSONUnsupported) {
        let shape = Self.shape
        var value = shape.blank
        var seen: UInt64 = 0
        var hint = 0
        try withUnsafeMutablePointer(to: &value) { (p) throws(FastJSONUnsupported) in
            let raw = UnsafeMutableRawPointer(p)
            try r.object { (r, key) throws(FastJSONUnsupported) in
                guard let i = shape.index(of: key, after: &hint) else {
                    try r.skipValue()
                    return
                }
                let bit: UInt64 = 1 << UInt64(i)
                // A repeated member goes to Codable, which decides.
                guard seen & bit == 0 else { throw FastJSONUnsupported() }
                seen |= bit
                try shape.members[i].read(raw, &r)
            }
        }
        // A missing member too: Codable then names it.
        guard seen & shape.requiredBits == shape.requiredBits else { throw FastJSONUnsupported() }
        self = value
    }

    /// How many of the shape's members the object `decoder` holds has with a value other
    /// than `null` (a union's form has exactly one), as the fast reader counts them.
    public static func membersPresent(in decoder: any Decoder) throws -> Int {
        let keys = Set(shape.keys)
        let c = try decoder.container(keyedBy: ConcordJSON.AnyKey.self)
        return try c.allKeys.count { try keys.contains($0.stringValue) && !c.decodeNil(forKey: $0) }
    }

    /// Writes the shape's members with Codable, leaving out `nil` optionals.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: ConcordJSON.AnyKey.self)
        try withUnsafePointer(to: self) { p in
            for member in Self.shape.members { try member.encode(UnsafeRawPointer(p), &c) }
        }
    }

    /// Reads the shape's members with Codable, starting from the blank value; unknown keys are ignored.
    public init(from decoder: any Decoder) throws {
        var value = Self.shape.blank
        let c = try decoder.container(keyedBy: ConcordJSON.AnyKey.self)
        try withUnsafeMutablePointer(to: &value) { p in
            for member in Self.shape.members { try member.decode(UnsafeMutableRawPointer(p), c) }
        }
        self = value
    }
}
