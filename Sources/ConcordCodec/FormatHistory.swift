#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Any JSON value, as a tree: what a migration edits. Numbers keep their text, so nothing
/// is rounded on the way through.
public enum JSONTree: Hashable, Sendable, JSONValue {
    /// JSON `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number, kept as its JSON text so nothing is rounded.
    case number(String)
    /// A string, unescaped.
    case string(String)
    /// An array, in order.
    case array([JSONTree])
    /// An object, by key.
    case object([String: JSONTree])

    /// Writes the value with the codec; numbers are written back as their original text.
    public func write(to w: inout JSONWriter) {
        switch self {
        case .null: w.raw("null")
        case .bool(let b): w.bool(b)
        case .number(let text): w.append(encoded: text.utf8)
        case .string(let s): w.string(s)
        case .array(let items): items.write(to: &w)
        case .object(let members): members.write(to: &w)
        }
    }

    /// Reads any JSON value with the fast reader.
    public init(reading r: inout JSONReader) throws(FastJSONUnsupported) {
        switch try r.peekByte() {
        case UInt8(ascii: "n"):
            _ = try r.null()
            self = .null
        case UInt8(ascii: "t"), UInt8(ascii: "f"): self = .bool(try r.bool())
        case UInt8(ascii: "\""): self = .string(try r.string())
        case UInt8(ascii: "["): self = .array(try [JSONTree](reading: &r))
        case UInt8(ascii: "{"): self = .object(try [String: JSONTree](reading: &r))
        default: self = .number(String(decoding: try r.skipValue(), as: UTF8.self))
        }
    }

    /// Reads any JSON value with Codable; numbers that are not whole become their `Double` text.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let items = try? c.decode([JSONTree].self) {
            self = .array(items)
        } else if let members = try? c.decode([String: JSONTree].self) {
            self = .object(members)
        } else if let n = try? c.decode(Int64.self) {
            self = .number(String(n))
        } else {
            self = .number(String(try c.decode(Double.self)))
        }
    }

    /// Writes the value with Codable; a number that is not a whole `Int64` is written as a `Double`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let text):
            if let n = Int64(text) { try c.encode(n) } else { try c.encode(Double(text) ?? 0) }
        case .string(let s): try c.encode(s)
        case .array(let items): try c.encode(items)
        case .object(let members): try c.encode(members)
        }
    }

    /// The members of an object (empty for anything else).
    public var members: [String: JSONTree] {
        get {
            if case .object(let m) = self { return m }
            return [:]
        }
        set { self = .object(newValue) }
    }
}

/// The versions of one persisted format, and the steps that bring a document of any older
/// version up to the current one: the format's migration table. Every version a release
/// ever wrote stays readable; `FormatTests` reads a fixture file of each.
public struct FormatHistory: Sendable {
    /// One step: from `to - 1` to `to`.
    public struct Step: Sendable {
        /// The version this step produces.
        public let to: Int
        /// What changed, for the reader of the table.
        public let note: String
        let migrate: @Sendable (inout JSONTree) throws -> Void

        /// A step to version `to`; `migrate` edits a version `to - 1` document in place and may throw to refuse it.
        public init(to: Int, note: String, migrate: @escaping @Sendable (inout JSONTree) throws -> Void) {
            self.to = to
            self.note = note
            self.migrate = migrate
        }
    }

    /// What the documents are, for messages: "agent snapshot".
    public let name: String
    /// The version this build writes.
    public let current: Int
    let steps: [Step]

    /// `steps` must take version 1 to `current`, one version at a time.
    public init(_ name: String, steps: [Step]) {
        for (i, step) in steps.enumerated() {
            precondition(step.to == i + 2, "\(name): step \(i) must lead to version \(i + 2)")
        }
        self.name = name
        current = steps.count + 1
        self.steps = steps
    }

    /// The document `bytes` of `version`, brought up to the current version (the same bytes
    /// when already current).
    public func upgrade(_ bytes: [UInt8], from version: Int) throws -> [UInt8] {
        guard version >= 1 else { throw FormatError(description: "\(name) version \(version) is not a version") }
        guard version <= current else {
            throw FormatError(
                description:
                    "\(name) has format \(version), newer than this build reads (1...\(current)): upgrade Concord")
        }
        guard version < current else { return bytes }
        var tree = try JSONTree.decode(json: bytes)
        for step in steps where step.to > version { try step.migrate(&tree) }
        return tree.json
    }
}

/// A document that no step can bring up to date.
public struct FormatError: Error, CustomStringConvertible, Sendable {
    /// The message: which document, which version, and what to do.
    public var description: String
    /// An error with this message.
    public init(description: String) { self.description = description }
}
