import ConcordCodec
import ConcordCore
import ConcordReport
import Foundation
import Logging
import Synchronization

/// Who is calling: the agency a token belongs to, and its role.
public struct Principal: Sendable, Hashable {
    /// The agency the token belongs to.
    public var agency: AgencyID
    /// What the agency may do: admin, agency or viewer.
    public var role: Role

    /// A caller of this agency and role.
    public init(agency: AgencyID, role: Role) {
        self.agency = agency
        self.role = role
    }
}

/// The hub: who may do what, the merge of every change, the answers' JSON, the change
/// feed and the caches, over a ``HubStorage`` that only stores. The only place where
/// versions merge.
public final class Hub: Sendable {
    let storage: any HubStorage
    let schemes: [String: RAGScheme]
    /// The scheme for plans that name none or an unknown one: the catalogue's first, else the standard one.
    public let defaultScheme: RAGScheme
    let clock: @Sendable () -> Timestamp
    let logger: Logger
    /// The thresholds of the committee report's flags, and its themes.
    let reportSettings: ReportSettings
    /// The partnership's identifier screening policy (issue 14).
    let screeningPolicy: ScreeningPolicy
    /// The reports being written.
    let reports = ReportGate()
    /// The committee's time zone, for reports and meeting dates.
    let reportZone: ReportTimeZone
    /// Wakes long-polls when the change sequence moves.
    public let feed: ChangeFeed
    /// Decoded records as committed, so a push does not decode a record it touched before.
    let records = RecordCache()
    /// The record cache is used: no other process writes to the store.
    let cachesRecords: Bool
    /// Follows what other processes commit to a shared store.
    private let follower = Mutex<Task<Void, Never>?>(nil)
    /// Recently authenticated tokens.
    let tokens = TokenCache()
    /// When each agency was last heard from.
    let contacts = ContactBook()
    /// The open-conflict count last read for `/metrics`, and when.
    let openConflicts = Mutex<(count: Int, at: ContinuousClock.Instant)?>(nil)

    /// The storage's timeline (see ``SQLiteStorage``); pulls carry it.
    public var timeline: Int64 { storage.timeline }

    /// A hub over `storage`.
    public init(
        storage: any HubStorage, schemes: RAGSchemeCatalog? = nil, report: ReportSettings = ReportSettings(),
        screening: ScreeningPolicy = ScreeningPolicy(), clock: @escaping @Sendable () -> Timestamp = Hub.systemTime,
        logger: Logger
    ) async throws {
        self.storage = storage
        reportSettings = report
        screeningPolicy = screening
        guard let zone = ReportTimeZone(foundation: report.timeZone) else {
            throw ConfigError("report.timeZone '\(report.timeZone)' is not a time zone (e.g. Europe/London)")
        }
        reportZone = zone
        let catalog = schemes?.schemes ?? [RAGScheme.standard]
        self.schemes = Dictionary(catalog.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        defaultScheme = catalog.first ?? .standard
        self.clock = clock
        self.logger = logger
        cachesRecords = !storage.isShared
        feed = ChangeFeed(latest: try await storage.latestSequence())
        if let news = storage.news() {
            follower.withLock { $0 = Task { [weak self] in await self?.follow(news) } }
        }
    }

    /// Wakes this process's pulls and streams for the other processes' commits, and forgets
    /// cached tokens when any process revokes one.
    private func follow(_ news: AsyncStream<StoreNews>) async {
        for await item in news {
            switch item {
            case .sequence(let seq):
                // One read of what was committed, however many notifications it answers;
                // the waiting pulls and streams are then answered from memory.
                let known = await feed.latestSequence
                guard seq > known else { continue }
                if await !publishCommitted(after: known) { await feed.publish(seq) }
            case .tokensChanged:
                tokens.forgetAll()
                await feed.interrupt()
            case .listening:
                // Whatever was said while nobody listened: read where the store stands, and
                // have every wait look again at who holds it (a token may have been revoked).
                tokens.forgetAll()
                await feed.interrupt()
                if let seq = try? await storage.latestSequence() { await feed.publish(seq) }
            }
        }
    }

    /// A hub on the SQLite database at `path` (created if needed).
    public convenience init(
        path: String, schemes: RAGSchemeCatalog? = nil, report: ReportSettings = ReportSettings(),
        clock: @escaping @Sendable () -> Timestamp = Hub.systemTime, logger: Logger
    ) async throws {
        try await self.init(
            storage: try SQLiteStorage(path: path, logger: logger), schemes: schemes, report: report, clock: clock,
            logger: logger)
    }

    /// A hub on the store at `location`: a SQLite file (created if needed) or a PostgreSQL
    /// database (its schema brought up to date).
    public static func open(
        _ location: DatabaseLocation, schemes: RAGSchemeCatalog? = nil, report: ReportSettings = ReportSettings(),
        screening: ScreeningPolicy = ScreeningPolicy(), clock: @escaping @Sendable () -> Timestamp = Hub.systemTime,
        logger: Logger
    ) async throws -> Hub {
        let storage: any HubStorage
        switch location {
        case .sqlite(let path): storage = try SQLiteStorage(path: path, logger: logger)
        case .postgres(let database): storage = try await PostgresStorage.open(database, logger: logger)
        }
        do {
            return try await Hub(
                storage: storage, schemes: schemes, report: report, screening: screening, clock: clock, logger: logger)
        } catch {
            try? storage.close()
            throw error
        }
    }

    /// After a commit: wakes the waiting pulls.
    func committed(_ seq: Int64, batch: FeedBatch? = nil) async {
        // Another process committed before this batch and this process has not heard it yet:
        // read both from the store in one statement, so the feed has no gap and wakes only
        // the waits they concern (a gap wakes every one, and each then asks the database).
        if storage.isShared, let batch {
            let known = await feed.latestSequence
            if batch.after > known, await publishCommitted(after: known) { return }
        }
        await feed.publish(seq, batch: batch)
    }

    /// Publishes everything the store holds after `known` as one batch, read in one
    /// statement; `false` when the store cannot say it so.
    private func publishCommitted(after known: Int64) async -> Bool {
        guard let batch = try? await storage.committed(after: known) else { return false }
        await feed.publish(batch.through, batch: batch)
        return true
    }

    /// Hub time from the system clock.
    @Sendable public static func systemTime() -> Timestamp {
        Timestamp(millisecondsSinceEpoch: Int64((Date().timeIntervalSince1970 * 1000).rounded()))
    }

    /// Closes the database (after the last request).
    public func close() throws {
        follower.withLock { $0?.cancel() }
        try storage.close()
    }

    /// The last change sequence number handed out.
    public func latestSequence() async throws -> Int64 {
        try await storage.latestSequence()
    }

    func scheme(_ id: String) -> RAGScheme? { schemes[id] }

    /// Refuses an unknown plan (404), and a principal that may not read it (403): admins and
    /// viewers read all; an agency reads the plans it is a partner in. One cheap read, before
    /// anything of the plan is loaded.
    func requireReadable(_ plan: PlanID, by principal: Principal) async throws {
        guard let partners = try await storage.partners(of: plan) else {
            throw HubError(.notFound, "plan \(plan) not found")
        }
        guard Visibility(principal).readsPlan(partners: partners) else {
            throw HubError(
                .forbidden,
                "agency \(principal.agency) is not a partner in plan \(plan): it leads or supports none of its actions")
        }
    }

    /// Runs a write transaction; any failure empties the record cache, which may hold
    /// records of a transaction that did not commit.
    func write<T: Sendable>(_ body: @Sendable @escaping (any StorageTransaction) throws -> T) async throws -> T {
        do { return try await storage.write(body) } catch {
            records.clear()
            throw error
        }
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
