import ConcordCodec
import ConcordCore
import ConcordWire
import Dispatch
import Foundation
import Logging
import NIOSSL
import PostgresNIO
import Synchronization

/// The hub's store on PostgreSQL, for hosted hubs: several hub processes on one database.
///
/// Reads take pooled connections (`PostgresClient`). Writes run one at a time per process on
/// a thread of their own, in transactions that begin by locking the sequence counter's row
/// (`SELECT … FOR UPDATE`) and hold it to the commit: writers in every process take their
/// turn, so sequence order is commit order and a pull (`seq > cursor`) never skips a change
/// that commits late with a smaller number (docs/postgres-design.md). A commit sends
/// `NOTIFY concord` with the sequence reached, which the other processes' change feeds hear
/// (``notifications()``).
public final class PostgresStorage: HubStorage {
    let client: PostgresClient
    let logger: Logger
    /// Runs the client's connection pool until the store is closed.
    private let running: Task<Void, Never>
    /// One write transaction at a time in this process, on a thread of its own (its statements
    /// wait for their answers; the cooperative pool must never be blocked).
    let writer = DispatchQueue(label: "concord.postgres.writer")
    let location: PostgresLocation
    /// The database's timeline, stored in it.
    public let timeline: Int64

    /// The NOTIFY channel commits are announced on, as `SEQ ORIGIN` or `tokens ORIGIN`.
    static let channel = "concord"
    /// This process's name in its notifications: it hears only the others'.
    let origin = String(UInt64.random(in: 1...UInt64.max), radix: 36)
    /// The `LISTEN` loops (``news()``), ended by ``close()``.
    let listeners = Mutex<(closed: Bool, tasks: [Task<Void, Never>])>((false, []))
    /// One write at a time in this process, in the order they came.
    let turns = Turns()
    /// Decoded records with the sequence numbers they were committed at; a write checks the
    /// numbers against the database before it uses one.
    let records = SequencedRecords()

    private init(
        client: PostgresClient, running: Task<Void, Never>, location: PostgresLocation, timeline: Int64, logger: Logger
    ) {
        self.client = client
        self.running = running
        self.location = location
        self.timeline = timeline
        self.logger = logger
    }

    /// Connects to the database at `location`, brings its schema up to date and reads its timeline.
    public static func open(_ location: PostgresLocation, logger: Logger) async throws -> PostgresStorage {
        let client = PostgresClient(configuration: try configuration(location), backgroundLogger: logger)
        let running = Task { await client.run() }
        do {
            try await PostgresSchema.migrate(client, logger: logger)
            let timeline =
                try await client.query("SELECT value FROM meta WHERE key = 'timeline'", logger: logger)
                .decode(Int64.self).first { _ in true } ?? 0
            return PostgresStorage(
                client: client, running: running, location: location, timeline: timeline, logger: logger)
        } catch {
            running.cancel()
            throw ConfigError(
                "cannot open the PostgreSQL database \(location.description): \(String(reflecting: error))")
        }
    }

    static func configuration(_ location: PostgresLocation) throws -> PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        if let socket = location.socketPath {
            configuration = .init(
                unixSocketPath: socket, username: location.user, password: location.password,
                database: location.database)
        } else {
            configuration = .init(
                host: location.host ?? "localhost", port: location.port, username: location.user,
                password: location.password, database: location.database, tls: try tls(location))
        }
        configuration.options.maximumConnections = 16
        configuration.options.minimumConnections = 1
        return configuration
    }

    static func tls(_ location: PostgresLocation) throws -> PostgresClient.Configuration.TLS {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let file = location.rootCertificate {
            tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(file))
        }
        switch location.tls {
        case .disable: return .disable
        // As libpq: `require` with a root certificate given checks the CA.
        case .require: tls.certificateVerification = location.rootCertificate == nil ? .none : .noHostnameVerification
        case .verifyCA: tls.certificateVerification = .noHostnameVerification
        case .verifyFull: tls.certificateVerification = .fullVerification
        }
        return .require(tls)
    }

    /// Stops the connection pool (its run ends when cancelled, closing its connections).
    public func close() throws {
        // The listeners first: a listener outliving the pool would try again every second.
        let tasks = listeners.withLock { state in
            state.closed = true
            return state.tasks
        }
        for task in tasks { task.cancel() }
        running.cancel()
    }

    /// The last change sequence number committed.
    public func latestSequence() async throws -> Int64 {
        try await one(Int64.self, "SELECT value FROM meta WHERE key = 'seq'") ?? 0
    }

    /// Runs `body` in one transaction on the writer thread; see ``PostgresTransaction``.
    public func write<T: Sendable>(
        _ body: @Sendable @escaping (any StorageTransaction) throws -> T
    ) async throws -> T {
        let logger = logger
        let writer = writer
        let origin = origin
        let records = records
        // This process's turn first, then a connection: pushes queued behind the writer hold
        // no connection that pulls and token checks need.
        await turns.take()
        do {
            let value = try await client.withConnection { connection in
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                    writer.async {
                        let result = Result {
                            try PostgresTransaction.run(
                                on: connection, origin: origin, records: records, logger: logger, body)
                        }
                        continuation.resume(with: result)
                    }
                }
            }
            await turns.give()
            return value
        } catch {
            await turns.give()
            throw error
        }
    }

    /// Other hub processes may use this database.
    public var isShared: Bool { true }

    // MARK: Reading

    /// Every row of `query`, decoded as `T`.
    func all<each T: PostgresDecodable>(
        _ type: (repeat each T).Type, _ query: PostgresQuery
    ) async throws -> [(repeat each T)] {
        let rows = try await client.query(query, logger: logger).collect()
        return try rows.map { try $0.decode(type) }
    }

    /// The first row's single column, or `nil` when there is no row.
    func one<T: PostgresDecodable>(_ type: T.Type, _ query: PostgresQuery) async throws -> T? {
        try await client.query(query, logger: logger).collect().first.map { try $0.decode(T.self) }
    }

    /// Runs `body` on one connection in a read-only snapshot: every query sees the same commits.
    func snapshot<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await client.withConnection { connection in
            try await connection.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
            do {
                let value = try await body(connection)
                try await connection.query("COMMIT", logger: logger)
                return value
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }

    /// A pull page read in one snapshot; always at least one record when any is waiting.
    /// ``Visibility/readsPlan(partners:)`` is `(allPlans OR plan_id IN (partner plans))`:
    /// PostgreSQL plans each query with its values, so for an admin the partner test is gone.
    public func page(after since: Int64, limit: Int, maxBytes: Int, visibility: Visibility) async throws -> StoredPage {
        let logger = logger
        return try await snapshot { connection in
            let latest =
                try await connection.query("SELECT value FROM meta WHERE key = 'seq'", logger: logger)
                .collect().first.map { try $0.decode(Int64.self) } ?? 0
            let all = visibility.allPlans
            let agency = visibility.agency.rawValue
            let rows = try await connection.query(
                """
                SELECT seq, record FROM actions WHERE seq > \(since)
                AND (\(all) OR plan_id IN (SELECT plan_id FROM plan_partners WHERE agency_id = \(agency)))
                ORDER BY seq LIMIT \(Int64(limit + 1))
                """, logger: logger
            ).collect()
                .map { try $0.decode((Int64, String).self) }
            var count = 0
            var bytes = 0
            for row in rows.prefix(limit) {
                let size = row.1.utf8.count
                if count > 0 && bytes + size > maxBytes { break }
                count += 1
                bytes += size
            }
            let more = rows.count > count
            let page = rows.prefix(count)
            let cursor = more ? page.last!.0 : max(since, latest)
            let conflicts = try await connection.query(
                """
                SELECT record FROM conflicts WHERE agency_id = \(agency) AND seq > \(since) AND seq <= \(cursor)
                AND (\(all) OR plan_id IN (SELECT plan_id FROM plan_partners WHERE agency_id = \(agency)))
                ORDER BY seq, id
                """, logger: logger
            ).collect().map { try $0.decode(String.self) }
            let removed =
                visibility.allPlans
                ? []
                : try await connection.query(
                    """
                    SELECT plan_id FROM plan_removals WHERE agency_id = \(agency) \
                    AND seq > \(since) AND seq <= \(cursor) ORDER BY plan_id
                    """, logger: logger
                ).collect().map { try $0.decode(String.self) }
            return StoredPage(
                records: page.map(\.1), conflicts: conflicts, cursor: cursor, more: more, removedPlans: removed,
                latest: latest)
        }
    }

    /// Conflicts `visibility` lists, newest (highest id) first; `status` `nil` means both.
    public func conflicts(visibility: Visibility, status: ConflictRecord.Status?) async throws -> [ConflictRecord] {
        let all = visibility.allPlans
        let agency = visibility.agency.rawValue
        return try await self.all(
            String.self,
            """
            SELECT record FROM conflicts
            WHERE (\(all) OR (agency_id = \(agency)
                AND plan_id IN (SELECT plan_id FROM plan_partners WHERE agency_id = \(agency))))
            AND (\(status == nil) OR status = \(status?.rawValue ?? ""))
            ORDER BY id DESC
            """
        ).map { try ConflictRecord.decode(json: $0.utf8) }
    }

    /// A conflict by id, whoever may see it; `nil` when there is none.
    public func conflict(_ id: Int64) async throws -> ConflictRecord? {
        try await one(String.self, "SELECT record FROM conflicts WHERE id = \(id)").map {
            try ConflictRecord.decode(json: $0.utf8)
        }
    }

    /// How many conflicts are open, waiting for an admin.
    public func openConflictCount() async throws -> Int {
        Int(try await one(Int64.self, "SELECT COUNT(*) FROM conflicts WHERE status = 'open'") ?? 0)
    }

    /// The plan with its current records; `nil` when there is no such plan.
    public func plan(_ id: PlanID) async throws -> Plan? {
        let logger = logger
        return try await snapshot { connection in
            guard
                let row = try await connection.query(
                    "SELECT title, scheme FROM plans WHERE id = \(id.rawValue)", logger: logger
                ).collect().first
            else { return nil }
            let (title, scheme) = try row.decode((String, String).self)
            let actions = try await connection.query(
                "SELECT record FROM actions WHERE plan_id = \(id.rawValue)", logger: logger
            ).collect().map { try Action.decode(json: try $0.decode(String.self).utf8) }
            return Plan(id: id, title: title, scheme: scheme, actions: actions)
        }
    }

    /// Every plan, by id, with its partners.
    public func plansAndPartners() async throws -> [(plan: PlanID, partners: Set<AgencyID>)] {
        let plans = try await all(String.self, "SELECT id FROM plans ORDER BY id")
        let pairs = try await all((String, String).self, "SELECT plan_id, agency_id FROM plan_partners")
        var partners: [String: Set<AgencyID>] = [:]
        for (plan, agency) in pairs {
            if let agency = try? AgencyID(agency) { partners[plan, default: []].insert(agency) }
        }
        return plans.compactMap { id in (try? PlanID(id)).map { ($0, partners[id] ?? []) } }
    }

    /// The agencies that lead or support an action of the plan; `nil` for an unknown plan.
    public func partners(of plan: PlanID) async throws -> Set<AgencyID>? {
        let rows = try await all(
            (String?).self,
            """
            SELECT pp.agency_id FROM plans p LEFT JOIN plan_partners pp ON pp.plan_id = p.id
            WHERE p.id = \(plan.rawValue)
            """)
        guard !rows.isEmpty else { return nil }
        return Set(rows.compactMap { $0.flatMap { try? AgencyID($0) } })
    }

    /// Every change received for the action, in sequence order, with the hub's answer to each.
    public func history(of address: ActionAddress) async throws -> [HistoryEntry] {
        try await all(
            (Int64, String, Int64, String, String, String).self,
            """
            SELECT seq, agency_id, received_at, outcome, body, result FROM changes
            WHERE plan_id = \(address.plan.rawValue) AND ref = \(address.ref.rawValue) ORDER BY seq
            """
        ).map { seq, agency, at, outcome, body, result in
            HistoryEntry(
                seq: seq, agency: try AgencyID(agency), at: Timestamp(millisecondsSinceEpoch: at),
                outcome: Outcome(rawValue: outcome) ?? .rejected, change: try Change.decode(json: body.utf8),
                result: try ChangeResult.decode(json: result.utf8))
        }
    }

    /// The caller a token's SHA-256 belongs to; `nil` for an unknown or revoked token.
    public func principal(tokenHash: Data) async throws -> Principal? {
        let rows = try await all(
            (String, String).self,
            """
            SELECT a.id, a.role FROM tokens t JOIN agencies a ON a.id = t.agency_id
            WHERE t.hash = \(tokenHash) AND t.revoked_at IS NULL
            """)
        guard let (id, role) = rows.first, let agency = try? AgencyID(id), let role = Role(rawValue: role) else {
            return nil
        }
        return Principal(agency: agency, role: role)
    }

    /// Every agency, by id, with the contact times stored so far.
    public func agencies() async throws -> [AgencyInfo] {
        try await agencies(only: nil)
    }

    /// One agency as stored; `nil` when there is none.
    public func agency(_ id: AgencyID) async throws -> AgencyInfo? {
        try await agencies(only: id).first
    }

    /// Every agency, or only `id`.
    private func agencies(only id: AgencyID?) async throws -> [AgencyInfo] {
        let query: PostgresQuery = """
            SELECT id, name, role, created_at, last_seen_at, last_push_at,
                (SELECT COUNT(*) FROM tokens WHERE agency_id = a.id AND revoked_at IS NULL)
            FROM agencies a WHERE (\(id == nil) OR a.id = \(id?.rawValue ?? ""))
            ORDER BY id
            """
        return try await all((String, String, String, Int64, Int64?, Int64?, Int64).self, query).compactMap {
            id, name, role, created, seen, pushed, active in
            guard let id = try? AgencyID(id) else { return nil }
            return AgencyInfo(
                id: id, name: name, role: Role(rawValue: role) ?? .viewer, activeTokens: Int(active),
                createdAt: Timestamp(millisecondsSinceEpoch: created),
                lastContact: seen.map(Timestamp.init(millisecondsSinceEpoch:)),
                lastPush: pushed.map(Timestamp.init(millisecondsSinceEpoch:)))
        }
    }

    /// Writes contact times, never moving a stored time backwards (whichever process saw the
    /// agency last); agencies not in the database are skipped.
    public func record(contacts: [AgencyID: AgencyContact]) async throws {
        for (agency, contact) in contacts {
            try await client.query(
                """
                UPDATE agencies SET last_seen_at = GREATEST(last_seen_at, \(contact.lastSeen?.millisecondsSinceEpoch)),
                    last_push_at = GREATEST(last_push_at, \(contact.lastPush?.millisecondsSinceEpoch))
                WHERE id = \(agency.rawValue)
                """, logger: logger)
        }
    }
}
