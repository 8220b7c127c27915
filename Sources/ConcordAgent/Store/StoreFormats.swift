import ConcordCodec
import ConcordCore
import ConcordWire

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

// The agent store's two persisted formats, each with its migration table. Fixture files of
// every earlier version are in Tests/ConcordAgentTests/Fixtures (read by FormatTests).

/// One line of the journal. JSON: `{"edit": {...}}`, `{"answered": {...}}`,
/// `{"pulled": {...}}` or `{"plans": [...]}`.
enum JournalEntry: Sendable, Equatable, JSONValue {
    case edit(Change)
    case answered([ChangeResult], at: Timestamp)
    case pulled(PullResponse, at: Timestamp)
    case plans([PlanSummary])

    /// The journal's versions. A journal starts with a ``JournalHeader`` line naming its
    /// version; a journal without one is version 1.
    static let history = FormatHistory(
        "agent journal",
        steps: [
            .init(
                to: 2,
                note: """
                    Journals start with a header line {"format":2}; pull answers may carry removedPlans \
                    and timeline, and results of refused changes the rule refusedByHub. A version-1 line \
                    reads as it is.
                    """, migrate: { _ in })
        ])

    /// The JSON form: an object with exactly one of these members.
    struct Form: JSONRecord {
        var edit: Change?
        var answered: Answered?
        var pulled: Pulled?
        var plans: [PlanSummary]?

        static let shape = Shape<Self>(
            blank: Form(),
            [
                Member("edit", \.edit), Member("answered", \.answered), Member("pulled", \.pulled),
                Member("plans", \.plans),
            ])
    }

    struct Answered: JSONRecord {
        var results: [ChangeResult]
        var at: Timestamp

        static let shape = Shape<Self>(
            blank: Answered(results: [], at: Timestamp(millisecondsSinceEpoch: 0)),
            [Member("results", \.results), Member("at", \.at)])
    }

    struct Pulled: JSONRecord {
        var response: PullAnswer
        var at: Timestamp

        static let shape = Shape<Self>(
            blank: Pulled(response: .parsed(PullResponse.shape.blank), at: Timestamp(millisecondsSinceEpoch: 0)),
            [Member("response", \.response), Member("at", \.at)])
    }

    init?(_ form: Form) {
        switch (form.edit, form.answered, form.pulled, form.plans) {
        case (let change?, nil, nil, nil): self = .edit(change)
        case (nil, let a?, nil, nil): self = .answered(a.results, at: a.at)
        case (nil, nil, let p?, nil): self = .pulled(p.response.value, at: p.at)
        case (nil, nil, nil, let plans?): self = .plans(plans)
        default: return nil
        }
    }

    var form: Form {
        switch self {
        case .edit(let change): Form(edit: change)
        case .answered(let results, let at): Form(answered: Answered(results: results, at: at))
        case .pulled(let response, let at): Form(pulled: Pulled(response: .parsed(response), at: at))
        case .plans(let plans): Form(plans: plans)
        }
    }

    func write(to w: inout JSONWriter) { form.write(to: &w) }

    init(reading r: inout JSONReader) throws(FastJSONUnsupported) {
        guard let entry = JournalEntry(try Form(reading: &r)) else { throw FastJSONUnsupported() }
        self = entry
    }

    init(from decoder: any Decoder) throws {
        guard try Form.membersPresent(in: decoder) == 1, let entry = JournalEntry(try Form(from: decoder)) else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "a journal entry has one key"))
        }
        self = entry
    }

    func encode(to encoder: any Encoder) throws { try form.encode(to: encoder) }

    /// The line of a pull whose answer is journalled as the hub sent it (`raw`, one line of
    /// JSON), not encoded again.
    static func pulledLine(raw: [UInt8], at time: Timestamp) -> [UInt8] {
        Form(pulled: Pulled(response: .raw(raw), at: time)).json
    }
}

/// A pull answer in the journal: read as a value, written as the hub's own bytes when the
/// agent has them.
enum PullAnswer: Sendable, Equatable, JSONValue {
    case parsed(PullResponse)
    case raw([UInt8])

    var value: PullResponse {
        switch self {
        case .parsed(let response): response
        case .raw(let bytes): (try? PullResponse.decode(json: bytes)) ?? PullResponse.shape.blank
        }
    }

    func write(to w: inout JSONWriter) {
        switch self {
        case .parsed(let response): response.write(to: &w)
        case .raw(let bytes): w.append(encoded: bytes)
        }
    }

    init(reading r: inout JSONReader) throws(FastJSONUnsupported) { self = .parsed(try PullResponse(reading: &r)) }
    init(from decoder: any Decoder) throws { self = .parsed(try PullResponse(from: decoder)) }
    func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
}

/// A journal's first line: `{"format": N}`.
struct JournalHeader: JSONRecord {
    var format: Int

    static let shape = Shape<Self>(blank: JournalHeader(format: 0), [Member("format", \.format)])

    static var current: JournalHeader { JournalHeader(format: JournalEntry.history.current) }

    /// The header `line` holds, or `nil` when it is an entry (a version-1 journal).
    static func read(_ line: some Collection<UInt8>) -> JournalHeader? {
        guard let header = try? JournalHeader.decode(json: line), header.format >= 1 else { return nil }
        return header
    }
}

/// The snapshot file's form (`state-G.json`): versioned, records as a sorted list.
struct Snapshot: JSONRecord, Equatable {
    /// The snapshot's versions.
    static let history = FormatHistory(
        "agent snapshot",
        steps: [
            .init(
                to: 2,
                note: """
                    Adds acknowledged (changes the hub took whose record has not been pulled back; a \
                    version-1 agent kept none) and timeline (optional).
                    """,
                migrate: { snapshot in
                    snapshot.members["acknowledged"] = .array([])
                    snapshot.members["formatVersion"] = .number("2")
                })
        ])

    var formatVersion: Int
    /// The journal generation that continues from this snapshot.
    var generation: Int
    var agency: AgencyID
    var cursor: Int64
    var timeline: Int64?
    var records: [Action]
    var pending: [Change]
    var acknowledged: [AcknowledgedChange]
    var answers: [ChangeResult]
    var conflicts: [ConflictRecord]
    var plans: [PlanSummary]
    var lastPush: Timestamp?
    var lastPull: Timestamp?

    static let shape = Shape<Self>(
        blank: Snapshot(AgentState(agency: .unset), generation: 0),
        [
            Member("formatVersion", \.formatVersion), Member("generation", \.generation), Member("agency", \.agency),
            Member("cursor", \.cursor), Member("timeline", \.timeline), Member("records", \.records),
            Member("pending", \.pending), Member("acknowledged", \.acknowledged), Member("answers", \.answers),
            Member("conflicts", \.conflicts), Member("plans", \.plans), Member("lastPush", \.lastPush),
            Member("lastPull", \.lastPull),
        ])

    init(_ state: AgentState, generation: Int) {
        formatVersion = Self.history.current
        self.generation = generation
        agency = state.agency
        cursor = state.cursor
        timeline = state.timeline
        records = state.records.values.sorted { $0.address < $1.address }
        pending = state.pending
        acknowledged = state.acknowledged
        answers = state.answers
        conflicts = state.conflicts.values.sorted { $0.id < $1.id }
        plans = state.plans.values.sorted { $0.id < $1.id }
        lastPush = state.lastPush
        lastPull = state.lastPull
    }

    /// Reads a snapshot file of any version this build knows.
    static func read(_ bytes: [UInt8]) throws -> Snapshot {
        let version = try FormatProbe.decode(json: bytes).formatVersion
        return try Snapshot.decode(json: try history.upgrade(bytes, from: version))
    }

    var state: AgentState {
        var s = AgentState(agency: agency)
        s.cursor = cursor
        s.timeline = timeline
        s.records = Dictionary(records.map { ($0.address, $0) }, uniquingKeysWith: { $1 })
        s.pending = pending
        s.acknowledged = acknowledged
        s.answers = answers
        s.conflicts = Dictionary(conflicts.map { ($0.id, $0) }, uniquingKeysWith: { $1 })
        s.plans = Dictionary(plans.map { ($0.id, $0) }, uniquingKeysWith: { $1 })
        s.lastPush = lastPush
        s.lastPull = lastPull
        return s
    }
}

/// The version of a versioned document, read before the rest.
struct FormatProbe: JSONRecord {
    var formatVersion: Int
    static let shape = Shape<Self>(blank: FormatProbe(formatVersion: 0), [Member("formatVersion", \.formatVersion)])
}
