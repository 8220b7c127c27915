import ConcordCore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Everything an agent knows, as one value: the last pulled record of each action, the
/// local changes not yet answered by the hub, what the hub said about the others, the
/// pull cursor and this agency's conflicts. The store makes it durable.
public struct AgentState: Sendable, Equatable {
    public var agency: AgencyID
    /// Pull from here next time.
    public var cursor: Int64 = 0
    /// The last pulled record of each action.
    public var records: [ActionAddress: Action] = [:]
    /// Local changes in the order they were made, not yet answered by the hub.
    public var pending: [Change] = []
    /// The hub's answers to this agency's changes: every rejection and conflict is kept
    /// (never dropped silently); applied and merged ones only the latest `keptAnswers`.
    public var answers: [ChangeResult] = []
    /// This agency's conflicts, open and resolved, by id.
    public var conflicts: [Int64: ConflictRecord] = [:]
    /// Plans and their schemes, as last listed by the hub.
    public var plans: [PlanID: PlanSummary] = [:]
    public var lastPush: Timestamp?
    public var lastPull: Timestamp?

    public static let keptAnswers = 500

    public init(agency: AgencyID) {
        self.agency = agency
    }

    /// The local view: the pulled record with this agency's pending changes laid on top.
    public func view(_ address: ActionAddress) -> Action? {
        pending.reduce(records[address]) { record, change in
            change.action == address ? Action.overlay(change, on: record, author: agency) : record
        }
    }

    /// Every action the agency can see, in its local view, sorted by address.
    public func allViews() -> [Action] {
        let addresses = Set(records.keys).union(pending.map(\.action))
        return addresses.sorted().compactMap(view)
    }

    public var openConflicts: [ConflictRecord] {
        conflicts.values.filter { $0.status == .open }.sorted { $0.id < $1.id }
    }

    // MARK: Transitions (the journal replays exactly these)

    mutating func apply(_ entry: JournalEntry) {
        switch entry {
        case .edit(let change):
            if !pending.contains(where: { $0.id == change.id }) { pending.append(change) }
        case .answered(let results, let at):
            let ids = Set(results.map(\.id))
            pending.removeAll { ids.contains($0.id) }
            answers.removeAll { ids.contains($0.id) }
            answers.append(contentsOf: results)
            trimAnswers()
            lastPush = at
        case .pulled(let response, let at):
            if response.reset == true {
                // The hub was restored to an earlier state: take its records as they are now.
                records = [:]
                cursor = response.cursor
            } else {
                cursor = max(cursor, response.cursor)
            }
            for action in response.actions {
                // Two pulls may overlap (a long-poll and a sync-now); never go back a revision.
                if (records[action.address]?.revision ?? -1) <= action.revision { records[action.address] = action }
            }
            for conflict in response.conflicts { conflicts[conflict.id] = conflict }
            lastPull = at
        case .plans(let list):
            plans = Dictionary(list.map { ($0.id, $0) }, uniquingKeysWith: { $1 })
        }
    }

    private mutating func trimAnswers() {
        let routine = answers.filter { $0.outcome == .applied || $0.outcome == .merged }
        guard routine.count > Self.keptAnswers else { return }
        let drop = Set(routine.prefix(routine.count - Self.keptAnswers).map(\.id))
        answers.removeAll { drop.contains($0.id) }
    }
}

/// One line of the journal. JSON: `{"edit": {...}}`, `{"answered": {...}}`,
/// `{"pulled": {...}}` or `{"plans": [...]}`.
enum JournalEntry: Sendable, Equatable, Codable {
    case edit(Change)
    case answered([ChangeResult], at: Timestamp)
    case pulled(PullResponse, at: Timestamp)
    case plans([PlanSummary])

    private enum CodingKeys: String, CodingKey { case edit, answered, pulled, plans }
    private struct Answered: Codable {
        var results: [ChangeResult]
        var at: Timestamp
    }
    private struct Pulled: Codable {
        var response: PullResponse
        var at: Timestamp
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        guard c.allKeys.count == 1, let key = c.allKeys.first else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "a journal entry has one key"))
        }
        switch key {
        case .edit: self = .edit(try c.decode(Change.self, forKey: .edit))
        case .answered:
            let a = try c.decode(Answered.self, forKey: .answered)
            self = .answered(a.results, at: a.at)
        case .pulled:
            let p = try c.decode(Pulled.self, forKey: .pulled)
            self = .pulled(p.response, at: p.at)
        case .plans: self = .plans(try c.decode([PlanSummary].self, forKey: .plans))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .edit(let change): try c.encode(change, forKey: .edit)
        case .answered(let results, let at): try c.encode(Answered(results: results, at: at), forKey: .answered)
        case .pulled(let response, let at): try c.encode(Pulled(response: response, at: at), forKey: .pulled)
        case .plans(let plans): try c.encode(plans, forKey: .plans)
        }
    }
}

/// The snapshot file's form (`state-G.json`): versioned, records as a sorted list.
struct Snapshot: Codable {
    static let currentFormatVersion = 1

    var formatVersion: Int
    /// The journal generation that continues from this snapshot.
    var generation: Int
    var agency: AgencyID
    var cursor: Int64
    var records: [Action]
    var pending: [Change]
    var answers: [ChangeResult]
    var conflicts: [ConflictRecord]
    var plans: [PlanSummary]
    var lastPush: Timestamp?
    var lastPull: Timestamp?

    init(_ state: AgentState, generation: Int) {
        formatVersion = Self.currentFormatVersion
        self.generation = generation
        agency = state.agency
        cursor = state.cursor
        records = state.records.values.sorted { $0.address < $1.address }
        pending = state.pending
        answers = state.answers
        conflicts = state.conflicts.values.sorted { $0.id < $1.id }
        plans = state.plans.values.sorted { $0.id < $1.id }
        lastPush = state.lastPush
        lastPull = state.lastPull
    }

    var state: AgentState {
        var s = AgentState(agency: agency)
        s.cursor = cursor
        s.records = Dictionary(records.map { ($0.address, $0) }, uniquingKeysWith: { $1 })
        s.pending = pending
        s.answers = answers
        s.conflicts = Dictionary(conflicts.map { ($0.id, $0) }, uniquingKeysWith: { $1 })
        s.plans = Dictionary(plans.map { ($0.id, $0) }, uniquingKeysWith: { $1 })
        s.lastPush = lastPush
        s.lastPull = lastPull
        return s
    }
}
