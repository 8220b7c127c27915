import ConcordCore
import Foundation
import GRDB
import Logging
import Synchronization

/// Who is calling: the agency a token belongs to, and its role.
public struct Principal: Sendable, Hashable {
    public var agency: AgencyID
    public var role: Role

    public init(agency: AgencyID, role: Role) {
        self.agency = agency
        self.role = role
    }
}

/// The hub's state on SQLite: agencies and tokens, plans, actions, the audit trail of
/// changes, and conflicts. The only place where versions merge.
public final class HubStore: Sendable {
    let pool: DatabasePool
    let schemes: [String: RAGScheme]
    public let defaultScheme: RAGScheme
    let clock: @Sendable () -> Timestamp
    let logger: Logger
    /// Wakes long-polls when the change sequence moves.
    public let feed: ChangeFeed
    /// Decoded records as committed, so a push does not decode a record it touched before.
    let records = RecordCache()
    /// Recently authenticated tokens.
    let tokens = TokenCache()

    /// Opens (creating if needed) the database at `path`.
    public init(
        path: String, schemes: RAGSchemeCatalog? = nil,
        clock: @escaping @Sendable () -> Timestamp = HubStore.systemTime,
        logger: Logger
    ) throws {
        pool = try HubDatabase.open(path: path)
        let catalog = schemes?.schemes ?? [RAGScheme.standard]
        self.schemes = Dictionary(catalog.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        defaultScheme = catalog.first ?? .standard
        self.clock = clock
        self.logger = logger
        feed = ChangeFeed(latest: try pool.read { try Self.sequence($0) })
    }

    /// Hub time from the system clock.
    @Sendable public static func systemTime() -> Timestamp {
        Timestamp(millisecondsSinceEpoch: Int64((Date().timeIntervalSince1970 * 1000).rounded()))
    }

    /// Closes the database (after the last request).
    public func close() throws {
        try pool.close()
    }

    /// The last change sequence number handed out.
    public func latestSequence() async throws -> Int64 {
        try await pool.read { try Self.sequence($0) }
    }

    static func sequence(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT value FROM meta WHERE key = 'seq'")) ?? 0
    }

    func scheme(_ id: String) -> RAGScheme? { schemes[id] }

    static func encode(_ value: some Encodable) throws -> String {
        String(decoding: try ConcordJSON.encode(value, pretty: false), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try ConcordJSON.decode(type, from: Data(text.utf8))
    }

    /// Whether the principal may read a plan: admins and viewers read all; an agency reads
    /// the plans it is a partner in.
    static func canRead(_ db: Database, plan: PlanID, principal: Principal) throws -> Bool {
        if principal.role != .agency { return true }
        return try Bool.fetchOne(
            db, sql: "SELECT 1 FROM plan_partners WHERE plan_id = ? AND agency_id = ?",
            arguments: [plan.rawValue, principal.agency.rawValue]) ?? false
    }

    static func requireReadable(_ db: Database, plan: PlanID, principal: Principal) throws {
        guard try Row.fetchOne(db, sql: "SELECT 1 FROM plans WHERE id = ?", arguments: [plan.rawValue]) != nil else {
            throw HubError(.notFound, "plan \(plan) not found")
        }
        guard try canRead(db, plan: plan, principal: principal) else {
            throw HubError(
                .forbidden,
                "agency \(principal.agency) is not a partner in plan \(plan): it leads or supports none of its actions")
        }
    }

    /// Runs a write transaction; any failure empties the record cache, which may hold
    /// records of a transaction that did not commit.
    func write<T: Sendable>(_ updates: @Sendable @escaping (Database) throws -> T) async throws -> T {
        do { return try await pool.write(updates) } catch {
            records.clear()
            throw error
        }
    }

    static func loadAction(_ db: Database, _ address: ActionAddress) throws -> Action? {
        guard
            let text = try String.fetchOne(
                db, sql: "SELECT record FROM actions WHERE plan_id = ? AND ref = ?",
                arguments: [address.plan.rawValue, address.ref.rawValue])
        else { return nil }
        return try decode(Action.self, text)
    }
}

/// The hub's decoded records, written by push transactions (inside them, so the next
/// transaction sees them) and emptied whenever a transaction fails. Bounded: past
/// `capacity` records it starts again empty.
final class RecordCache: Sendable {
    private let storage = Mutex<[ActionAddress: Action]>([:])
    let capacity = 100_000

    func get(_ address: ActionAddress) -> Action? {
        storage.withLock { $0[address] }
    }

    func put(_ records: some Sequence<Action>) {
        storage.withLock { cache in
            for record in records {
                if cache.count >= capacity { cache.removeAll(keepingCapacity: true) }
                cache[record.address] = record
            }
        }
    }

    func clear() { storage.withLock { $0.removeAll() } }
}

/// Token hashes recently found valid, each remembered for `lifetime`.
final class TokenCache: Sendable {
    static let lifetime: Duration = .seconds(5)
    private let storage = Mutex<[Data: (principal: Principal, until: ContinuousClock.Instant)]>([:])

    func lookup(_ hash: Data) -> Principal? {
        storage.withLock { cache in
            guard let entry = cache[hash] else { return nil }
            if entry.until < .now {
                cache[hash] = nil
                return nil
            }
            return entry.principal
        }
    }

    func remember(_ hash: Data, _ principal: Principal) {
        storage.withLock { cache in
            if cache.count > 10_000 { cache.removeAll() }
            cache[hash] = (principal, .now + Self.lifetime)
        }
    }

    func forgetAll() { storage.withLock { $0.removeAll() } }
}
