#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The one JSON style of Concord: sorted keys, slashes unescaped, dates as ISO 8601 strings,
/// so files diff well and stay stable. Compact JSON of a ``JSONValue`` comes from its fast
/// writer (`json`); `JSONEncoder` here writes the pretty form people read.
public enum ConcordJSON {
    /// An encoder in Concord's style; `pretty` adds line breaks and indentation.
    public static func encoder(pretty: Bool = true) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting =
            pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// The JSON of `value`: compact ones from the fast writer when it is a ``JSONValue``.
    public static func encode(_ value: some Encodable, pretty: Bool = true) throws -> Data {
        if !pretty, let value = value as? any JSONValue { return Data(value.json) }
        return try encoder(pretty: pretty).encode(value)
    }

    /// Decodes JSON: a ``JSONValue`` with the fast reader (which hands anything it does not
    /// read itself back to `JSONDecoder`), anything else with `JSONDecoder`.
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        if let fast = type as? any JSONValue.Type, let value = try fast.decode(json: data) as? T {
            return value
        }
        return try JSONDecoder().decode(type, from: data)
    }

    /// Configuration files may carry comments: lines whose first non-blank characters are
    /// `//` are blanked (keeping line numbers) before the JSON is parsed.
    public static func withoutLineComments(_ data: Data) -> Data {
        let text = String(decoding: data, as: UTF8.self)
        guard text.contains("//") else { return data }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.drop { $0 == " " || $0 == "\t" }.hasPrefix("//") ? Substring("") : line
        }
        return Data(lines.joined(separator: "\n").utf8)
    }

    /// Any key: the keys of a ``Shape``'s members, and of objects whose keys are data.
    public struct AnyKey: CodingKey, Hashable, Sendable {
        /// The key as written in the JSON object.
        public var stringValue: String
        /// Always `nil`: Concord's objects have text keys only.
        public var intValue: Int? { nil }
        /// A key with this text.
        public init(stringValue: String) { self.stringValue = stringValue }
        /// Always fails: integer keys are not used.
        public init?(intValue: Int) { nil }
    }

    /// Refuses keys a configuration object does not know (a typo would otherwise be ignored
    /// silently), naming the unknown key and the known ones.
    public static func rejectUnknownKeys(
        in decoder: any Decoder, known: some Sequence<String>, what: String
    ) throws {
        let known = Set(known)
        let present = try decoder.container(keyedBy: AnyKey.self).allKeys.map(\.stringValue)
        if let unknown = present.sorted().first(where: { !known.contains($0) }) {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription:
                        "unknown key '\(unknown.prefix(40))' in \(what); the keys are \(known.sorted().joined(separator: ", "))"
                ))
        }
    }

    /// A decoding error in one line a person can act on: where in the document, and what.
    public static func explain(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return String(describing: error) }
        func path(_ keys: [any CodingKey]) -> String {
            let p = keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return p.isEmpty ? "the document" : String(p.drop { $0 == "." })
        }
        switch error {
        case .typeMismatch(let type, let c): return "\(path(c.codingPath)): expected \(type); \(c.debugDescription)"
        case .valueNotFound(let type, let c): return "\(path(c.codingPath)): missing \(type) value"
        case .keyNotFound(let key, let c): return "\(path(c.codingPath + [key])): required key is missing"
        case .dataCorrupted(let c): return "\(path(c.codingPath)): \(c.debugDescription)"
        @unknown default: return String(describing: error)
        }
    }
}
