#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A value with one JSON form, written by ``JSONWriter`` and read by ``JSONReader``.
///
/// Records (objects with named members) conform through ``JSONRecord``, which derives all
/// of this, and `Codable`, from one list of members. Leaves (strings, numbers, identifiers,
/// dates, arrays) conform here once.
public protocol JSONValue: Codable {
    /// Writes the value.
    func write(to writer: inout JSONWriter)
    /// Reads the value, or throws when the input is not one the fast reader reads (the
    /// caller then asks Codable, which reads it or says what is wrong).
    init(reading reader: inout JSONReader) throws(FastJSONUnsupported)
    /// Reads a member with Codable: a leaf may explain a bad value better than the default.
    static func decode(
        from container: KeyedDecodingContainer<ConcordJSON.AnyKey>, forKey key: ConcordJSON.AnyKey
    ) throws -> Self
}

extension JSONValue {
    /// The default: Codable's own decoding of the member.
    public static func decode(
        from container: KeyedDecodingContainer<ConcordJSON.AnyKey>, forKey key: ConcordJSON.AnyKey
    ) throws -> Self {
        try container.decode(Self.self, forKey: key)
    }

    /// The compact JSON of this value.
    public var json: [UInt8] {
        var w = JSONWriter()
        write(to: &w)
        return w.bytes
    }

    /// Reads `bytes` with the fast reader, or with `JSONDecoder` when the fast reader does
    /// not read them (so what is accepted, and every error message, is Codable's).
    public static func decode(json bytes: some Collection<UInt8>) throws -> Self {
        let fast: Self? =
            bytes.withContiguousStorageIfAvailable { buffer in
                var reader = JSONReader(buffer)
                guard let value = try? Self(reading: &reader), (try? reader.end()) != nil else { return nil }
                return value
            } ?? nil
        if let fast { return fast }
        return try JSONDecoder().decode(Self.self, from: Data(bytes))
    }
}

/// A value written as one JSON string and parsed back from it: identifiers, dates, enums.
public protocol JSONStringValue: JSONValue {
    /// The text written.
    var jsonString: String { get }
    /// Parses the text, or `nil` when it is not a valid value.
    init?(jsonString: String)
}

extension JSONStringValue {
    /// Writes the text form as a JSON string.
    public func write(to w: inout JSONWriter) { w.string(jsonString) }
    /// Reads a JSON string and parses it; text that is not a valid value throws.
    public init(reading r: inout JSONReader) throws(FastJSONUnsupported) {
        self = try r.parsed { Self(jsonString: $0) }
    }
}

extension JSONStringValue where Self: RawRepresentable, RawValue == String {
    /// The raw value, as written.
    public var jsonString: String { rawValue }
    /// The case whose raw value is this text, or `nil`.
    public init?(jsonString: String) { self.init(rawValue: jsonString) }
}

extension String: JSONValue {
    /// Writes the string with JSON escapes.
    public func write(to w: inout JSONWriter) { w.string(self) }
    /// Reads a JSON string.
    public init(reading r: inout JSONReader) throws(FastJSONUnsupported) { self = try r.string() }
}

extension Bool: JSONValue {
    /// Writes `true` or `false`.
    public func write(to w: inout JSONWriter) { w.bool(self) }
    /// Reads `true` or `false`.
    public init(reading r: inout JSONReader) throws(FastJSONUnsupported) { self = try r.bool() }
}

extension Int64: JSONValue {
    /// Writes the number in decimal.
    public func write(to w: inout JSONWriter) { w.int(self) }
    /// Reads a whole number without fraction or exponent.
    public init(reading r: inout JSONReader) throws(FastJSONUnsupported) { self = try r.int64() }
}

extension Int: JSONValue {
    /// Writes the number in decimal.
    public func write(to w: inout JSONWriter) { w.int(Int64(self)) }
    /// Reads a whole number that fits in `Int`.
    public init(reading r: inout JSONReader) throws(FastJSONUnsupported) {
        guard let n = Int(exactly: try r.int64()) else { throw FastJSONUnsupported() }
        self = n
    }
}

extension UUID: JSONValue {
    /// Writes the UUID as a string.
    public func write(to w: inout JSONWriter) { w.uuid(self) }
    /// Reads a UUID string.
    public init(reading r: inout JSONReader) throws(FastJSONUnsupported) { self = try r.uuid() }

    /// Says what a UUID looks like, rather than Foundation's "invalid UUID string".
    public static func decode(
        from container: KeyedDecodingContainer<ConcordJSON.AnyKey>, forKey key: ConcordJSON.AnyKey
    ) throws -> UUID {
        let text = try container.decode(String.self, forKey: key)
        guard let id = UUID(fast: text) else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: container,
                debugDescription: "'\(text.prefix(40))' is not a UUID (8-4-4-4-12 hex digits)")
        }
        return id
    }
}

extension Array: JSONValue where Element: JSONValue {
    /// Writes the elements as a JSON array, in order.
    public func write(to w: inout JSONWriter) { w.array(self) { w, item in item.write(to: &w) } }
    /// Reads a JSON array of elements.
    public init(reading r: inout JSONReader) throws(FastJSONUnsupported) {
        self = try r.array { (r) throws(FastJSONUnsupported) in try Element(reading: &r) }
    }
}

/// An object whose keys are data (a change's field names): written in the order of the
/// keys' UTF-8 bytes, so the same value is always the same bytes.
extension Dictionary: JSONValue where Key == String, Value: JSONValue {
    /// Writes the object with its keys in UTF-8 byte order.
    public func write(to w: inout JSONWriter) {
        w.object { o in
            for (key, value) in self.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
                o.key(dynamic: key) { value.write(to: &$0) }
            }
        }
    }

    /// Reads a JSON object; a repeated key is left to Codable.
    public init(reading r: inout JSONReader) throws(FastJSONUnsupported) {
        var result: [String: Value] = [:]
        try r.object { (r, key) throws(FastJSONUnsupported) in
            let name = key.string
            // A repeated key goes to Codable, which decides.
            guard result.updateValue(try Value(reading: &r), forKey: name) == nil else { throw FastJSONUnsupported() }
        }
        self = result
    }
}

extension UUID {
    /// All zeros: the placeholder of a shape's blank value.
    public static let zero = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
}

/// JSON already written (a stored record), spliced as it is into what is written around it.
public struct RawJSON: JSONValue, Hashable, Sendable {
    /// The JSON text (a String, so a stored record is spliced without a copy).
    public var text: String

    /// Wraps JSON text as it is; the text is not checked.
    public init(_ text: String) { self.text = text }

    /// Writes the text unchanged.
    public func write(to w: inout JSONWriter) { w.append(encoded: text.utf8) }

    /// Takes the bytes of the next JSON value, whatever its kind.
    public init(reading r: inout JSONReader) throws(FastJSONUnsupported) {
        text = String(decoding: try r.skipValue(), as: UTF8.self)
    }

    /// Reads any JSON value with Codable and keeps it as compact text.
    public init(from decoder: any Decoder) throws {
        text = String(decoding: try JSONTree(from: decoder).json, as: UTF8.self)
    }

    /// Writes the value with Codable; throws if the text is not valid JSON.
    public func encode(to encoder: any Encoder) throws {
        try JSONTree.decode(json: Array(text.utf8)).encode(to: encoder)
    }
}
