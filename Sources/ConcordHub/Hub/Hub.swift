import ConcordCodec
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
    /// The database's timeline (see ``SequenceMark``); pulls carry it.
    public let timeline: Int64
    /// The sequence number this hub has reached, kept beside the database.
    let mark: SequenceMark
    /// The open-conflict count last read for `/metrics`, and when.
    let openConflicts = Mutex<(count: Int, at: ContinuousClock.Instant)?>(nil)

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
        mark = try SequenceMark(path: path + ".seq")
        let (seq, stored) = try pool.read { db in (try Self.sequence(db), try Self.storedTimeline(db)) }
        if let reached = mark.read(), reached.timeline != stored || reached.seq > seq {
            // The database is behind what this hub had reached, or of another timeline: it
            // was restored from a backup. A new timeline makes every agent pull it afresh.
            let fresh = Int64.random(in: 1...9_007_199_254_740_991)
            try pool.write { db in
                try db.execute(sql: "UPDATE meta SET value = ? WHERE key = 'timeline'", arguments: [fresh])
            }
            logger.notice(
                "the database is behind what this hub had reached (restored from a backup?): agents will pull it afresh",
                metadata: ["sequence": "\(seq)", "reached": "\(reached.seq)", "timeline": "\(fresh)"])
            timeline = fresh
        } else {
            timeline = stored
        }
        mark.write(timeline: timeline, seq: seq)
        feed = ChangeFeed(latest: seq)
    }

    static func storedTimeline(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'timeline'") ?? 0
    }

    /// After a commit: remembers the sequence reached and wakes the waiting pulls.
    func committed(_ seq: Int64, batch: FeedBatch? = nil) async {
        mark.write(timeline: timeline, seq: seq)
        await feed.publish(seq, batch: batch)
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

/// `hub.sqlite.seq` beside the database: the timeline and the last sequence number this hub
/// committed, rewritten (not fsynced) after every commit. A backup copies the database,
/// not this file, so a database put back from a backup is found to be behind it.
final class SequenceMark: Sendable {
    private let fd: Int32

    init(path: String) throws {
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw ConfigError("cannot open \(path): \(String(cString: strerror(errno)))") }
    }

    deinit { close(fd) }

    /// What the file holds, or `nil` when it is new or unreadable.
    func read() -> (timeline: Int64, seq: Int64)? {
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return nil }
        let parts = String(decoding: buffer[0..<n], as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard parts.count >= 2, let timeline = Int64(parts[0]), let seq = Int64(parts[1]) else { return nil }
        return (timeline, seq)
    }

    func write(timeline: Int64, seq: Int64) {
        // Fixed width, so a shorter number never leaves digits of a longer one behind.
        let text = Array("\(timeline) \(seq)".utf8)
        let line = text + [UInt8](repeating: 0x20, count: max(0, 40 - text.count)) + [0x0A]
        _ = line.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
    }
}
