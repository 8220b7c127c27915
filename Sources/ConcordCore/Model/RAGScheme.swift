/// One rating of a RAG scheme, e.g. `green`: "Completed; learning still to be embedded".
public struct Rating: Hashable, Codable, Sendable {
    /// The value stored in an action's `rag` field: `red`, `amber`, `green`, `blue`.
    public var id: String
    /// What the colour means in this partnership, shown next to it in reports.
    public var meaning: String
    /// An action may carry this rating only with at least one live (not retracted) evidence item.
    public var requiresEvidence: Bool
    /// An action may carry this rating only once the partnership has signed it off.
    public var requiresSignOff: Bool

    /// A rating that needs neither evidence nor sign-off unless told.
    public init(id: String, meaning: String, requiresEvidence: Bool = false, requiresSignOff: Bool = false) {
        self.id = id
        self.meaning = meaning
        self.requiresEvidence = requiresEvidence
        self.requiresSignOff = requiresSignOff
    }

    private enum CodingKeys: String, CodingKey { case id, meaning, requiresEvidence, requiresSignOff }

    /// Decodes a rating; absent `requiresEvidence` and `requiresSignOff` mean false.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        meaning = try c.decode(String.self, forKey: .meaning)
        requiresEvidence = try c.decodeIfPresent(Bool.self, forKey: .requiresEvidence) ?? false
        requiresSignOff = try c.decodeIfPresent(Bool.self, forKey: .requiresSignOff) ?? false
    }
}

/// A partnership's rating scheme (versioned: a changed meaning is a new version).
public struct RAGScheme: Hashable, Codable, Sendable {
    /// The scheme's id, stored with each plan: `brag`, `on-track`.
    public var id: String
    /// Bumped when a rating's meaning changes; absent in JSON means 1.
    public var version: Int
    /// The name shown in reports: "Red, amber, green (progress against plan)".
    public var name: String
    /// In order from worst to best.
    public var ratings: [Rating]

    /// A scheme of `ratings`, worst first.
    public init(id: String, version: Int = 1, name: String, ratings: [Rating]) {
        self.id = id
        self.version = version
        self.name = name
        self.ratings = ratings
    }

    /// The rating with this id, if the scheme has it.
    public func rating(_ id: String) -> Rating? { ratings.first { $0.id == id } }

    /// The default scheme: red, amber, green, blue (completion and embedding).
    public static let standard = RAGScheme(
        id: "brag", name: "Blue, red, amber, green (completion and embedding)",
        ratings: [
            Rating(id: "red", meaning: "Not started, or off track"),
            Rating(id: "amber", meaning: "In progress, within the delivery timeline"),
            Rating(id: "green", meaning: "Completed; learning still to be embedded", requiresEvidence: true),
            Rating(id: "blue", meaning: "Embedded; impact evidenced", requiresEvidence: true, requiresSignOff: true),
        ])

    private enum CodingKeys: String, CodingKey { case id, version, name, ratings }

    /// Decodes a scheme, refusing one with no ratings or with a rating listed twice.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        version = try c.decodeIfPresent(Int.self, forKey: .version) ?? 1
        name = try c.decode(String.self, forKey: .name)
        ratings = try c.decode([Rating].self, forKey: .ratings)
        var seen = Set<String>()
        for r in ratings where !seen.insert(r.id).inserted {
            throw DecodingError.dataCorruptedError(
                forKey: .ratings, in: c, debugDescription: "scheme '\(id)' lists rating '\(r.id)' twice")
        }
        guard !ratings.isEmpty else {
            throw DecodingError.dataCorruptedError(
                forKey: .ratings, in: c, debugDescription: "scheme '\(id)' has no ratings")
        }
    }
}

/// The file of schemes a partnership may choose from (`config/rag-schemes.json`).
public struct RAGSchemeCatalog: Hashable, Codable, Sendable {
    /// Version of this file's format. Absent means 1.
    public var formatVersion: Int
    /// The schemes; the first is the default.
    public var schemes: [RAGScheme]

    /// A catalogue of `schemes`, the first being the default.
    public init(formatVersion: Int = 1, schemes: [RAGScheme]) {
        self.formatVersion = formatVersion
        self.schemes = schemes
    }

    /// The scheme with this id, if the file has it.
    public func scheme(_ id: String) -> RAGScheme? { schemes.first { $0.id == id } }

    private enum CodingKeys: String, CodingKey { case formatVersion, schemes }

    /// Decodes the file, refusing a format version other than 1.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        formatVersion = try c.decodeIfPresent(Int.self, forKey: .formatVersion) ?? 1
        guard formatVersion == 1 else {
            throw DecodingError.dataCorruptedError(
                forKey: .formatVersion, in: c,
                debugDescription: "RAG scheme file format \(formatVersion) is newer than this Concord understands (1)")
        }
        schemes = try c.decode([RAGScheme].self, forKey: .schemes)
    }
}
