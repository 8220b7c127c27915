import ConcordCore
import ConcordScreening
import ConcordSystemd
import ConcordWire
import Logging

#if canImport(Glibc)
    import Glibc
#endif

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The agent's state and its rules, behind one actor: the control API and the sync service
/// both go through it.
public actor Agent {
    let store: AgentStore
    /// The configuration the agent was started with.
    public let config: AgentConfig
    let schemes: [String: RAGScheme]
    /// Used when a plan's scheme is not known locally: the first of the config's schemes.
    let defaultScheme: RAGScheme
    let logger: Logger
    let clock: @Sendable () -> Timestamp
    let notifier = SystemdNotifier()

    /// The link to the hub and the sync in progress (``SyncState``: pure; its effects are
    /// carried out here).
    private(set) var sync = SyncState(started: .now)
    /// When the hub last answered, on the wall clock, for `status`.
    private var lastContact: Timestamp?
    private var wakePush: AsyncStream<Void>.Continuation?
    /// Wakes the sync loops' pauses: a sync was asked for, or the hub answered again.
    let retryNow = WakeSignal()
    /// Something a waiting `syncNow` looks at has changed.
    let progress = WakeSignal()

    /// An agent over `store`; `schemes` are the RAG schemes it knows, the first used for plans of an unknown one.
    public init(
        store: AgentStore, config: AgentConfig, schemes: [RAGScheme] = [.standard], logger: Logger,
        clock: @escaping @Sendable () -> Timestamp = Agent.systemTime
    ) {
        self.store = store
        self.config = config
        self.schemes = Dictionary(schemes.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        defaultScheme = schemes.first ?? .standard
        self.logger = logger
        self.clock = clock
    }

    /// The wall clock, to the millisecond: the default clock.
    @Sendable public static func systemTime() -> Timestamp {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Timestamp(millisecondsSinceEpoch: Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000)
    }

    var state: AgentState { store.state }

    /// The journal's size in bytes.
    var journalBytes: Int { store.journalBytes }

    // MARK: Reading

    /// How the agent is doing: online or not, the last push and pull, what waits to go up, open conflicts.
    public func status() -> AgentStatus {
        let s = store.state
        let rejected = s.answers.filter { $0.outcome == .rejected }.count
        var status = AgentStatus(
            agency: s.agency, hub: config.hub, online: online, problem: sync.problem, lastPush: s.lastPush,
            lastPull: s.lastPull, pending: s.pending.count, openConflicts: s.openConflicts.count, rejected: rejected,
            actions: Set(s.records.keys).union(s.pending.map(\.action)).count, cursor: s.cursor,
            everythingUploaded: s.pending.isEmpty)
        status.lastContact = lastContact
        if !online && sync.problem == nil && sync.lastHeard != nil {
            status.problem = "the hub has not answered for over \(config.offlineAfterSeconds) s"
        }
        return status
    }

    /// Every action the agency can see, in the local view (pending edits laid on), sorted by address.
    public func actions() -> [Action] { store.state.allViews() }

    /// One action in the local view, with the hub's record, pending edits, problems and conflicts; throws not found.
    public func detail(_ address: ActionAddress) throws -> ActionDetail {
        let s = store.state
        guard let view = s.view(address) else {
            throw AgentError.notFound(
                "action \(address.ref) not found in plan \(address.plan) (not pulled yet? run concordctl sync)")
        }
        return ActionDetail(
            action: view, hubRecord: s.records[address], pending: s.pending.filter { $0.action == address },
            problems: s.answers.filter { $0.action == address && ($0.outcome == .rejected || $0.outcome == .conflict) },
            conflicts: s.conflicts.values.filter { $0.action == address }.sorted { $0.id < $1.id })
    }

    /// This agency's conflicts, open and resolved, newest first.
    public func conflicts() -> [ConflictRecord] {
        store.state.conflicts.values.sorted { $0.id > $1.id }
    }

    /// Rejected and conflicting changes, newest first.
    public func problems() -> [ChangeResult] {
        store.state.answers.filter { $0.outcome == .rejected || $0.outcome == .conflict }.reversed()
    }

    // MARK: Editing

    /// Checks an edit with the core's rules against the local view, then records it
    /// durably and wakes the push. `set` gives the new values; `from` is the local view's.
    public func edit(
        _ address: ActionAddress, set: [Field: FieldValue], append: [Append] = [], reason: String? = nil
    ) throws -> EditReceipt {
        // Read what the check needs without keeping a copy of the state alive across the
        // write below: a live copy would make the append copy the whole queue.
        let (found, agency, summary): (Action?, AgencyID, PlanSummary?) = {
            let s = store.state
            return (s.view(address), s.agency, s.plans[address.plan])
        }()
        guard let view = found else {
            throw AgentError.notFound(
                "action \(address.ref) not found in plan \(address.plan) (not pulled yet? run concordctl sync)")
        }
        let fields = Dictionary(
            uniqueKeysWithValues: set.map { ($0.key, FieldChange(from: view.value(of: $0.key), to: $0.value)) })
        let change = Change(
            action: address, baseRevision: view.revision, fields: fields, append: append, reason: reason,
            madeAt: clock())
        let scheme = summary.flatMap { schemes[$0.scheme] } ?? defaultScheme
        let context = MergeContext(
            actor: agency, role: config.role, scheme: scheme, now: clock(),
            screening: Self.screening(of: address.plan, summary?.screening))
        let check = merge(change, into: view, context: context)
        guard check.outcome != .rejected else { throw AgentError.invalid(check.violations) }
        guard check.changed else {
            throw AgentError.badRequest("nothing to change: action \(address) already has these values")
        }
        try store.recordEdit(change)
        logger.info("edit recorded", metadata: ["change": "\(change.id)", "action": "\(address)"])
        wakePush?.yield()
        return EditReceipt(change: change, action: store.state.view(address) ?? view, flags: check.flags)
    }

    /// What an edit of `plan` is screened with before it is queued (issue 14): the hub's
    /// policy and the plan's protected names as the plan list brought them; the defaults
    /// until it has (a hub too old to send them, or none pulled yet). The hub screens again.
    static func screening(of plan: PlanID, _ sent: PlanScreening?) -> ScreeningRules {
        guard let sent else { return ScreeningRules() }
        let policy = ScreeningPolicy(known: sent.policy)
        let names = ProtectedNames(plan: plan, digests: sent.protectedNames, firstWords: sent.firstWords)
        return ScreeningRules(policy: policy, screener: names.screener)
    }

    // MARK: Sync bookkeeping

    func setWakePush(_ continuation: AsyncStream<Void>.Continuation) { wakePush = continuation }

    /// The next changes to push, oldest first.
    func nextBatch(limit: Int) -> [Change] { Array(store.state.pending.prefix(min(limit, config.pushBatch))) }

    /// The hub refused `change` on its own (a batch of one): it ends `rejected` with the
    /// hub's reason, kept and shown like any rejection, and leaves the queue.
    func refusedByHub(_ change: Change, _ refusal: HubRefusal) throws {
        let violation = Violation(
            action: change.action, field: nil, rule: .refusedByHub,
            message: "the hub refused this change (HTTP \(refusal.status) \(refusal.code)): \(refusal.message)")
        try store.recordAnswers(
            [
                ChangeResult(
                    id: change.id, action: change.action, outcome: .rejected, revision: nil, seq: 0,
                    violations: [violation])
            ],
            at: clock())
        logger.notice(
            "change refused by the hub", metadata: ["change": "\(change.id)", "status": "\(refusal.status)"])
        heard()
    }

    func answered(_ results: [ChangeResult]) throws {
        try store.recordAnswers(results, at: clock())
        sync.pushed(results.count)
        for r in results where r.outcome == .rejected || r.outcome == .conflict {
            logger.notice(
                "change not taken as sent",
                metadata: ["change": "\(r.id)", "action": "\(r.action)", "outcome": "\(r.outcome.rawValue)"])
        }
        heard()
        try store.compactIfNeeded()
    }

    func pulled(_ response: PullResponse, raw: [UInt8]? = nil) throws {
        // Read what is needed without keeping a copy of the state alive across the write
        // below (a live copy would make the write copy every record).
        let (nothingNew, unlisted): (Bool, Bool) = {
            let s = store.state
            // A heartbeat (nothing new, the same cursor and timeline) changes no state: it
            // is heard, not journalled (a line every few seconds would fill the journal).
            let nothingNew =
                response.actions.isEmpty && response.conflicts.isEmpty && (response.removedPlans ?? []).isEmpty
                && response.reset != true && response.cursor == s.cursor
                && (response.timeline == nil || response.timeline == s.timeline) && s.lastPull != nil
            return (nothingNew, response.actions.contains { s.plans[$0.plan] == nil })
        }()
        // A record redacted at the hub: the old text is in the journal and the snapshot, so
        // they are rewritten at once (issue 14), not at the next compaction.
        let redacted = !nothingNew && Self.bringsRedaction(response, raw: raw, kept: store.state)
        if !nothingNew { try store.recordPull(response, raw: raw, at: clock()) }
        if redacted {
            try store.compact()
            logger.notice("a redacted record was pulled: the local store was rewritten without the old text")
        }
        // A plan dropped, or records of a plan not listed: the plan list is asked for again.
        // A pull is complete at its last page: `sync --wait` waits for all of them.
        sync.pulled(
            response.actions.count, complete: !response.more,
            plansChanged: !(response.removedPlans ?? []).isEmpty || unlisted)
        heard()
        try store.compactIfNeeded()
    }

    /// Whether a pull brings a record or a conflict with more redaction markers than the
    /// copy kept.
    static func bringsRedaction(_ response: PullResponse, raw: [UInt8]?, kept: AgentState) -> Bool {
        let marker = Array("[redacted: ".utf8)
        if let raw {
            let found = raw.withUnsafeBufferPointer { r in
                var i = r.startIndex
                while i + marker.count <= r.endIndex {
                    if r[i] == marker[0], r[i..<i + marker.count].elementsEqual(marker) { return true }
                    i += 1
                }
                return false
            }
            if !found { return false }
        }
        func markers(_ conflict: ConflictRecord) -> Int {
            [conflict.base, conflict.hub, conflict.incoming].reduce(0) { $0 + Screener.redactionMarkers(in: $1) }
        }
        return response.actions.contains { action in
            Screener.redactionMarkers(in: action) > kept.records[action.address].map(Screener.redactionMarkers) ?? 0
        }
            || response.conflicts.contains { markers($0) > kept.conflicts[$0.id].map(markers) ?? 0 }
    }

    /// Whether the plan list should be asked for again (taken by the pull loop).
    func takePlansStale() -> Bool { sync.takePlansStale() }

    func listedPlans(_ plans: [PlanSummary]) throws {
        if plans != store.state.plans.values.sorted(by: { $0.id < $1.id }) { try store.recordPlans(plans) }
        heard()
    }

    /// How long without a word from the hub makes the agent offline.
    var window: Duration { .seconds(config.offlineAfterSeconds) }

    /// Online means the hub answered within the last `offlineAfterSeconds` and no attempt
    /// has failed since (``SyncState/online(at:window:)``).
    var online: Bool { sync.online(at: .now, window: window) }

    /// The last reason the hub could not be reached or refused, if any.
    var problem: String? { sync.problem }

    /// The hub could not be reached.
    func unreachable(_ reason: String) {
        carryOut(sync.unreachable(reason))
        notifier.notify("STATUS=offline (\(store.state.pending.count) edits kept locally): \(reason)")
        progress.wake()
    }

    /// The hub answered, but said no: it is reachable, and the reason is kept for `status`.
    func refused(_ reason: String) {
        carryOut(sync.refused(reason, at: .now))
        lastContact = clock()
        progress.wake()
    }

    /// The hub answered: the agent is online, and pauses before a retry end now.
    func heard() {
        carryOut(sync.heard(at: .now))
        lastContact = clock()
        progress.wake()
    }

    /// Does what the sync state's transitions ask.
    private func carryOut(_ effects: [SyncState.Effect]) {
        for effect in effects {
            switch effect {
            case .reachable:
                logger.notice("hub reachable")
                notifier.notify("STATUS=online, syncing with \(config.hub)")
            case .unreachable(let reason):
                logger.warning("hub unreachable; edits are kept locally", metadata: ["reason": "\(reason)"])
            case .refused(let reason):
                logger.warning("the hub refused a request", metadata: ["reason": "\(reason)"])
            case .endPauses:
                retryNow.wake()
            }
        }
    }

    /// Counts push attempts, so `syncNow` knows when one has been made since it asked.
    func attempted() {
        sync.attempted()
        progress.wake()
    }

    /// Sync has stopped (shutdown): waiting `syncNow` calls return at once.
    func stopping() {
        sync.stop()
        progress.wake()
    }

    /// Whether a sync-now is waiting for a pull of its own (taken by the push loop, which
    /// then pulls at once rather than leaving it to the long-poll).
    func takeSyncRequest() -> Bool { sync.takeSyncRequest() }

    /// Where the next pull starts: the cursor and the hub timeline it belongs to.
    var position: (cursor: Int64, timeline: Int64?) { (store.state.cursor, store.state.timeline) }

    /// Nothing pending, at least one pull done, and the cursor past this agency's last
    /// answered change. (A function, so no copy of the state lives across the caller's
    /// sleep: a live copy would make every pull copy the whole store.)
    private func caughtUp() -> Bool {
        let s = store.state
        return s.pending.isEmpty && s.lastPull != nil && s.cursor >= (s.answers.map(\.seq).max() ?? 0)
    }

    /// Pushes now, pulls at once, and waits, up to `timeout`, until nothing is pending and
    /// a pull made after the request has caught up with this agency's last answered change —
    /// or an attempt found the hub unreachable. When the hub is already known to be silent
    /// (nothing heard for `offlineAfterSeconds`), it waits at most ``offlineAnswerWithin``
    /// for it to answer, so the CLI answers at once.
    public func syncNow(timeout: Duration) async -> SyncReport {
        let before = sync.mark
        // Known to be silent: then the CLI gets its answer at once rather than after the wait.
        let silent = sync.silent(at: .now, window: window)
        carryOut(sync.requestSync())
        wakePush?.yield()
        let deadline = ContinuousClock.now + (silent ? min(timeout, Self.offlineAnswerWithin) : timeout)
        while ContinuousClock.now < deadline {
            if sync.syncIsOver(since: before, at: .now, window: window, caughtUp: caughtUp) { break }
            let seen = progress.generation
            await progress.wait(after: seen, timeout: ContinuousClock.now.duration(to: deadline))
        }
        return SyncReport(
            online: online, pushed: sync.pushed - before.pushed, pulled: sync.pulled - before.pulled,
            pending: store.state.pending.count, problem: sync.problem)
    }

    /// How long a sync-now waits for a hub that has already gone silent.
    static let offlineAnswerWithin: Duration = .milliseconds(1500)
}
