import ConcordCore
import ConcordReport
import ConcordWire
import Foundation

/// What the hub needs of its database, and nothing more: it stores and fetches. Who may do
/// what, the merge, the answers' JSON and the caches are the ``Hub``'s, above it; so a second
/// store (PostgreSQL) implements this and no rule twice.
///
/// Records, changes, results and conflicts are kept as their JSON (``Shape``'s one form), so
/// pulls splice them without decoding.
public protocol HubStorage: Sendable {
    /// The database's timeline: pulls carry it, and a restored database gets a new one.
    var timeline: Int64 { get }

    /// The last change sequence number committed.
    func latestSequence() async throws -> Int64

    /// Runs `body` in one durable write transaction: everything it wrote commits, or nothing.
    func write<T: Sendable>(_ body: @Sendable @escaping (any StorageTransaction) throws -> T) async throws -> T

    /// Stored records, conflict news and plan removals after `since` that `visibility`
    /// admits, in sequence order: at most `limit` records and about `maxBytes` of them.
    func page(after since: Int64, limit: Int, maxBytes: Int, visibility: Visibility) async throws -> StoredPage

    /// Conflicts `visibility` lists, newest first, of one status or both.
    func conflicts(visibility: Visibility, status: ConflictRecord.Status?) async throws -> [ConflictRecord]
    func conflict(_ id: Int64) async throws -> ConflictRecord?
    func openConflictCount() async throws -> Int

    /// A plan with its current records, or `nil`.
    func plan(_ id: PlanID) async throws -> Plan?
    /// Every plan's id and partners.
    func plansAndPartners() async throws -> [(plan: PlanID, partners: Set<AgencyID>)]
    /// The agencies that lead or support an action of the plan; `nil` when there is no such plan.
    func partners(of plan: PlanID) async throws -> Set<AgencyID>?
    /// Every change received for an action, oldest first.
    func history(of address: ActionAddress) async throws -> [HistoryEntry]

    /// Every plan's id, title, scheme id and time of creation, by id.
    func planList() async throws -> [StoredPlan]
    /// The changes the hub took (applied, merged or conflict) for `plans`, received by
    /// `through`, each plan's in sequence order: the audit trail a report replays.
    func trail(of plans: [PlanID], through: Timestamp) async throws -> [TrailEntry]
    /// Every committee meeting, by date.
    func meetings() async throws -> [Meeting]
    /// Adds a meeting; `false` when one with its id exists.
    func add(_ meeting: Meeting, at time: Timestamp) async throws -> Bool
    /// Removes a meeting; `false` when there was none.
    func removeMeeting(_ id: String) async throws -> Bool

    /// The protected-name digests of `plan`, or of every plan when `nil` (issue 14).
    func protectedNames(of plan: PlanID?) async throws -> [PlanID: Set<ProtectedDigest>]
    /// Adds names (as digests) to a plan's protected names; returns how many were new.
    func addProtectedNames(_ digests: [ProtectedDigest], to plan: PlanID, at time: Timestamp) async throws -> Int
    /// Removes names (by their digests) from a plan's protected names; returns how many there were.
    func removeProtectedNames(_ digests: [String], from plan: PlanID) async throws -> Int

    /// Rewrites the database's files so that nothing deleted or overwritten is left in them
    /// (after a redaction); `false` when that could not be finished now.
    func scrub() async throws -> Bool

    /// The agency and role of an unrevoked token's hash.
    func principal(tokenHash: Data) async throws -> Principal?
    func agencies() async throws -> [AgencyInfo]
    func agency(_ id: AgencyID) async throws -> AgencyInfo?
    /// Keeps when agencies were last heard from and last pushed (later times only).
    func record(contacts: [AgencyID: AgencyContact]) async throws

    /// Other processes write to this database too: a cache of its records is never safe.
    var isShared: Bool { get }
    /// What other processes committed, as it happens; `nil` when no other process writes.
    func news() -> AsyncStream<StoreNews>?
    /// Everything committed after `after`, through the latest sequence number, as the change
    /// feed keeps it; `nil` when it cannot be said so (the feed then sends pulls to the store).
    func committed(after: Int64) async throws -> FeedBatch?

    /// Closes the database (after the last request).
    func close() throws
}

/// What a shared store says other processes did.
public enum StoreNews: Sendable, Equatable {
    /// A commit reached this sequence number.
    case sequence(Int64)
    /// Tokens were revoked: cached ones may be stale, and streams must look again at who holds them.
    case tokensChanged
    /// Listening (again): anything may have been missed while not.
    case listening
}

extension HubStorage {
    /// One process: SQLite's single writer.
    public var isShared: Bool { false }
    /// Nobody else writes.
    public func news() -> AsyncStream<StoreNews>? { nil }
    /// Every commit is this process's own, published with its batch.
    public func committed(after: Int64) async throws -> FeedBatch? { nil }
}

/// One write transaction of a ``HubStorage``.
public protocol StorageTransaction: AnyObject {
    /// The change sequence number reached so far in this transaction.
    var sequence: Int64 { get }
    /// Hands out the next sequence number (stored when the transaction commits).
    func nextSequence() -> Int64
    /// Hands out the next conflict id.
    func nextConflictID() throws -> Int64

    /// Says which change ids and actions the transaction is about to ask
    /// ``storedResult(of:)`` and ``record(_:)`` for, so a store across a network can read them
    /// in one trip each (SQLite has nothing to do).
    func prepare(changeIDs: [UUID], actions: [ActionAddress]) throws
    /// The stored answer to a change id, and the agency that sent it.
    func storedResult(of change: UUID) throws -> (agency: AgencyID, json: String)?
    /// The current record of an action.
    func record(_ address: ActionAddress) throws -> Action?
    /// The current records of a plan, in sequence order.
    func records(of plan: PlanID) throws -> [Action]
    /// Stores an action's record as changed at `seq`.
    func save(_ record: Action, json: String, seq: Int64) throws
    /// Gives a stored record a new sequence number (so the next pulls send it again).
    func resequence(_ address: ActionAddress, seq: Int64) throws

    /// Stores a change of the audit trail with its answer.
    func append(_ change: StoredChange) throws
    func insert(_ conflict: ConflictRecord, json: String, seq: Int64) throws
    func update(_ conflict: ConflictRecord, json: String, seq: Int64) throws
    /// A conflict (for update).
    func conflict(_ id: Int64) throws -> ConflictRecord?
    /// Every conflict of an action.
    func conflicts(of address: ActionAddress) throws -> [ConflictRecord]
    /// Every change of an action's trail, as stored: sequence number, body and answer.
    func changes(of address: ActionAddress) throws -> [(seq: Int64, body: String, result: String)]
    /// Rewrites a stored change's body and answer (a redaction).
    func rewriteChange(seq: Int64, body: String, result: String) throws

    func agencyIDs() throws -> Set<AgencyID>
    func partners(of plan: PlanID) throws -> Set<AgencyID>
    /// Makes the agency a partner of the plan; `true` when it was not one.
    func addPartner(_ agency: AgencyID, of plan: PlanID) throws -> Bool
    /// Ends a partnership, recording the removal at `seq` for the agency's next pull.
    func removePartner(_ agency: AgencyID, of plan: PlanID, seq: Int64) throws

    /// The scheme id of a plan, or `nil` when there is no such plan.
    func scheme(of plan: PlanID) throws -> String?
    /// The plan's protected-name digests.
    func protectedNames(of plan: PlanID) throws -> [ProtectedDigest]
    func insertPlan(_ id: PlanID, title: String, scheme: String, at time: Timestamp) throws

    /// `false` when the agency exists already.
    func insertAgency(_ request: AgencyRequest, at time: Timestamp) throws -> Bool
    func agencyExists(_ id: AgencyID) throws -> Bool
    func insertToken(hash: Data, agency: AgencyID, at time: Timestamp) throws
    /// Revokes the agency's active tokens; returns how many.
    func revokeTokens(of agency: AgencyID, at time: Timestamp) throws -> Int
}

extension StorageTransaction {
    /// Nothing to read ahead.
    func prepare(changeIDs: [UUID], actions: [ActionAddress]) throws {}
}

/// A plan as stored, without its actions.
public struct StoredPlan: Sendable, Hashable {
    /// The plan's id.
    public var id: PlanID
    /// Its title.
    public var title: String
    /// The id of its RAG scheme.
    public var scheme: String
    /// Hub time it was created.
    public var createdAt: Timestamp
}

/// When an agency was last heard from, and last pushed successfully.
public struct AgencyContact: Sendable, Hashable {
    /// When the hub last heard from the agency; `nil` if never.
    public var lastSeen: Timestamp?
    /// When the hub last answered a push from the agency; `nil` if never.
    public var lastPush: Timestamp?

    /// Times as known; `nil` means not heard from.
    public init(lastSeen: Timestamp? = nil, lastPush: Timestamp? = nil) {
        self.lastSeen = lastSeen
        self.lastPush = lastPush
    }

    /// The later of each time.
    public func merged(with other: AgencyContact) -> AgencyContact {
        AgencyContact(lastSeen: max(lastSeen, other.lastSeen), lastPush: max(lastPush, other.lastPush))
    }

    private func max(_ a: Timestamp?, _ b: Timestamp?) -> Timestamp? {
        guard let a else { return b }
        guard let b else { return a }
        return Swift.max(a, b)
    }
}

/// A change as the audit trail keeps it.
public struct StoredChange: Sendable {
    /// The change sequence number the hub gave the change.
    public var seq: Int64
    /// The change's id, as the agent chose it.
    public var id: UUID
    /// The authenticated agency that sent it.
    public var agency: AgencyID
    /// The action it named.
    public var action: ActionAddress
    /// Hub time the change was received.
    public var receivedAt: Timestamp
    /// Applied, merged, conflict or rejected.
    public var outcome: Outcome
    /// The change's JSON (a stub for a huge rejected one) and its answer's.
    public var body: String
    /// The ``ChangeResult`` JSON the hub answered, given again for a resent id.
    public var result: String
}

/// What a pull reads from the store: JSON as stored, in sequence order.
public struct StoredPage: Sendable {
    /// The records' JSON as stored, in sequence order.
    public var records: [String]
    /// The caller's conflict news as stored JSON, up to `cursor`.
    public var conflicts: [String]
    /// The sequence number of the last record in the page, or the latest when the page holds
    /// everything after `since`.
    public var cursor: Int64
    /// More records are waiting after `cursor`.
    public var more: Bool
    /// Ids of plans the caller stopped being a partner in, up to `cursor`; always empty for admins and viewers.
    public var removedPlans: [String]
    /// The latest sequence number when the page was read.
    public var latest: Int64
}

/// What a caller may read. The one definition: the store's pull query and the change feed
/// both apply it (``readsPlan(partners:)``, and its SQL in ``SQLiteStorage``).
public struct Visibility: Sendable, Hashable {
    /// Whose conflict news the caller gets: its own.
    public let agency: AgencyID
    /// Admins and viewers read every plan; an agency the plans it is a partner in (it leads or
    /// supports one of their actions), and it lists only its own conflicts.
    public let allPlans: Bool

    /// What `principal` may read: every plan for an admin or viewer, its partner plans for an agency.
    public init(_ principal: Principal) {
        agency = principal.agency
        allPlans = principal.role != .agency
    }

    /// The caller reads a plan whose partners are `partners`.
    public func readsPlan(partners: Set<AgencyID>) -> Bool { allPlans || partners.contains(agency) }

    /// A pull brings a conflict as news: the caller's own, on a plan it reads.
    public func getsNews(ofConflictBy raiser: AgencyID, planPartners: Set<AgencyID>) -> Bool {
        raiser == agency && readsPlan(partners: planPartners)
    }

    /// The conflict list shows a conflict: every one to admins and viewers; an agency its own
    /// on the plans it reads.
    public func lists(conflictBy raiser: AgencyID, planPartners: Set<AgencyID>) -> Bool {
        allPlans || getsNews(ofConflictBy: raiser, planPartners: planPartners)
    }
}

/// A protected name as the hub keeps it: the digests of the name and of its first word
/// (``ProtectedNames``); never the name.
public struct ProtectedDigest: Sendable, Hashable {
    /// The name's digest (hex).
    public var name: String
    /// Its first word's digest (hex).
    public var firstWord: String

    /// A name's digests.
    public init(name: String, firstWord: String) {
        self.name = name
        self.firstWord = firstWord
    }
}
