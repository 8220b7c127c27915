import ConcordCore
import ConcordHTTP
import Logging
import ServiceLifecycle

/// Keeps the agent in step with the hub: pushes pending changes as soon as they are made
/// (in batches), and streams (or long-polls) everyone else's. When the hub cannot be
/// reached it retries with jitter (1 s up to 5 s, so it is back within seconds of a healed
/// partition) and keeps serving the CLI; as soon as either loop hears the hub, the other's
/// pause ends. It resumes from the cursor. Resending is safe: change ids are idempotent.
///
/// A batch the hub refuses as a whole (400, 413, 422: too large, or a change it cannot
/// read) is split in halves until the one change it refuses is found; that change ends
/// `rejected` with the hub's reason, kept and shown, and the rest go through.
public struct SyncService: Service {
    let agent: Agent
    let pushClient: HubClient
    let pullClient: HubClient
    let logger: Logger

    /// A service for `agent`; pushes and pulls use clients of their own, so a long-poll never holds a push up.
    public init(agent: Agent, pushClient: HubClient, pullClient: HubClient, logger: Logger) {
        self.agent = agent
        self.pushClient = pushClient
        self.pullClient = pullClient
        self.logger = logger
    }

    /// Runs the push and pull loops until graceful shutdown, then tells the agent it is stopping.
    public func run() async throws {
        let (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        await agent.setWakePush(wake)
        wake.yield()  // push whatever was pending at start-up
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await pushLoop(wakes) }
                group.addTask { await pullLoop() }
            }
        }
        wake.finish()
        await agent.stopping()
    }

    func pushLoop(_ wakes: AsyncStream<Void>) async {
        var backoff = Backoff()
        var iterator = wakes.makeAsyncIterator()
        var batchLimit = agent.config.pushBatch
        while !Task.isCancelled {
            let batch = await agent.nextBatch(limit: batchLimit)
            if batch.isEmpty {
                if await agent.takeSyncRequest() {
                    await pullNow()
                    continue
                }
                guard await iterator.next() != nil else { return }
                continue
            }
            let seen = agent.retryNow.generation
            do {
                let results = try await pushClient.push(batch, idle: stall)
                try await agent.answered(results)
                backoff.succeeded()
                await agent.attempted()
                batchLimit = min(agent.config.pushBatch, batchLimit * 2)
            } catch is CancellationError {
                return
            } catch let refusal as HubRefusal where refusal.refusesTheBatch {
                await agent.attempted()
                if batch.count > 1 {
                    batchLimit = batch.count / 2
                    await agent.refused(Self.describe(refusal))
                } else {
                    do { try await agent.refusedByHub(batch[0], refusal) } catch {
                        await agent.unreachable("\(error)")
                        await pause(backoff.failed(unit: Double.random(in: 0..<1)), after: seen)
                    }
                }
            } catch {
                await agent.unreachable(Self.describe(error))
                await agent.attempted()
                await pause(backoff.failed(unit: Double.random(in: 0..<1)), after: seen)
            }
        }
    }

    /// How long a request (other than a long-poll's wait) may go without a byte moving
    /// before it is dropped: a push sent into a partition must not wait out its whole
    /// timeout, or the agent would come back long after the link does.
    var stall: Duration { .seconds(min(agent.config.offlineAfterSeconds, 10)) }

    /// A sync-now's own pull, on the push connection (the pull connection is held by the
    /// long-poll): everything new, right away.
    func pullNow() async {
        do {
            var more = true
            while more {
                let (cursor, timeline) = await agent.position
                let (response, raw) = try await pushClient.pull(
                    since: cursor, timeline: timeline, limit: 1000, wait: 0, idle: stall)
                try await agent.pulled(response, raw: raw)
                more = response.more
            }
        } catch is CancellationError {
            return
        } catch {
            await agent.unreachable(Self.describe(error))
            await agent.attempted()
        }
    }

    /// How often the plan list (with the screening policy and protected names) is asked for again.
    static let plansRefresh = Duration.seconds(300)

    func pullLoop() async {
        var backoff = Backoff()
        var needPlans = true
        var plansAt = ContinuousClock.now
        var more = false
        // A long-poll brings nothing while it waits: it must end (and be heard) within the
        // window that `online` allows.
        let offlineAfter = agent.config.offlineAfterSeconds
        let wait =
            agent.config.pull == .stream
            ? agent.config.pullWaitSeconds : min(agent.config.pullWaitSeconds, max(1, offlineAfter - 5))
        while !Task.isCancelled {
            let seen = agent.retryNow.generation
            do {
                let plansStale = await agent.takePlansStale()
                // The plan list also brings the screening policy and protected names: asked
                // for again every few minutes, so a name an admin protects reaches the agent
                // before long (the hub screens every push again meanwhile).
                if needPlans || plansStale || ContinuousClock.now - plansAt > Self.plansRefresh {
                    try await agent.listedPlans(try await pullClient.plans(idle: stall))
                    needPlans = false
                    plansAt = ContinuousClock.now
                }
                let (cursor, timeline) = await agent.position
                let started = ContinuousClock.now
                var news = false
                if agent.config.pull == .stream {
                    try await stream(from: cursor, timeline: timeline, wait: wait) {
                        backoff.succeeded()
                        news = news || $0
                    }
                } else {
                    let (response, raw) = try await pullClient.pull(
                        since: cursor, timeline: timeline, limit: 1000, wait: more ? 0 : wait)
                    try await agent.pulled(response, raw: raw)
                    more = response.more
                    news = !response.actions.isEmpty || !response.conflicts.isEmpty || response.more
                    backoff.succeeded()
                }
                // A hub that ends every wait at once (limits.maxWaitSeconds 0) must not be
                // asked again in a tight loop: at most once a second while nothing is new.
                if !news, ContinuousClock.now - started < .seconds(1) {
                    await pause(.seconds(1), after: agent.retryNow.generation)
                }
            } catch is CancellationError {
                return
            } catch let refusal as HubRefusal where refusal.isBusy {
                // The hub answered: this agency holds too much of it for now (its places are
                // given back as old requests end). Not offline; wait and ask again.
                await agent.refused(Self.describe(refusal))
                await pause(backoff.failed(unit: Double.random(in: 0..<1)), after: seen)
            } catch {
                await agent.unreachable(Self.describe(error))
                await agent.attempted()
                needPlans = true
                await pause(backoff.failed(unit: Double.random(in: 0..<1)), after: seen)
            }
        }
    }

    /// Receives the hub's stream of answers until the hub ends it; `received` is called
    /// after each answer is stored, with whether it brought anything.
    func stream(from cursor: Int64, timeline: Int64?, wait: Int, received: (Bool) -> Void) async throws {
        let (answers, sink) = AsyncStream.makeStream(of: [UInt8].self)
        let client = pullClient
        // The hub sends a line at least every third of the offline window, so a stream that
        // brings nothing for the whole window is dead (a black-hole partition) and dropped.
        let offlineAfter = agent.config.offlineAfterSeconds
        async let transfer: Void = {
            defer { sink.finish() }
            try await client.stream(
                since: cursor, timeline: timeline, wait: wait, heartbeat: max(1, offlineAfter / 3),
                idle: .seconds(offlineAfter)
            ) { sink.yield($0) }
        }()
        for await raw in answers {
            let answer = try client.decodeAnswer(raw)
            try await agent.pulled(answer, raw: raw)
            received(!answer.actions.isEmpty || !answer.conflicts.isEmpty || answer.more)
        }
        try await transfer
    }

    /// Sleeps for a backoff delay, waking early when someone asks for a sync or the hub
    /// answered the other loop (since `seen`, the retry signal's generation before the try).
    func pause(_ delay: Duration, after seen: Int) async {
        await agent.retryNow.wait(after: seen, timeout: delay)
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case let e as HTTPTransportError where e.isCertificateProblem:
            "TLS certificate not trusted (check caFile): \(e.message)"
        case let e as HTTPTransportError: "cannot reach the hub: \(e.message)"
        case let e as HubRefusal where e.status == 401: "the hub refused the token: \(e.message)"
        case let e as HubRefusal: "the hub answered \(e.status): \(e.message)"
        default: "\(error)"
        }
    }
}
