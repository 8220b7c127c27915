import ConcordCore
import ConcordHTTP
import Logging
import ServiceLifecycle

/// Keeps the agent in step with the hub: pushes pending changes as soon as they are made
/// (in batches), and long-polls for everyone else's. When the hub cannot be reached it
/// backs off with jitter (1 s up to 5 min) and keeps serving the CLI; it resumes from the
/// cursor when the hub returns. Resending is safe: change ids are idempotent at the hub.
public struct SyncService: Service {
    let agent: Agent
    let pushClient: HubClient
    let pullClient: HubClient
    let logger: Logger

    public init(agent: Agent, pushClient: HubClient, pullClient: HubClient, logger: Logger) {
        self.agent = agent
        self.pushClient = pushClient
        self.pullClient = pullClient
        self.logger = logger
    }

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
        while !Task.isCancelled {
            let batch = await agent.nextBatch()
            if batch.isEmpty {
                if await agent.takeSyncRequest() {
                    await pullNow()
                    continue
                }
                guard await iterator.next() != nil else { return }
                continue
            }
            do {
                let results = try await pushClient.push(batch)
                try await agent.answered(results)
                backoff.succeeded()
                await agent.attempted()
            } catch is CancellationError {
                return
            } catch {
                await agent.unreachable(Self.describe(error))
                await agent.attempted()
                await pause(backoff.failed(unit: Double.random(in: 0..<1)))
            }
        }
    }

    /// A sync-now's own pull, on the push connection (the pull connection is held by the
    /// long-poll): everything new, right away.
    func pullNow() async {
        do {
            var more = true
            while more {
                let (response, raw) = try await pushClient.pull(since: await agent.cursor, limit: 1000, wait: 0)
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

    func pullLoop() async {
        var backoff = Backoff()
        var needPlans = true
        var more = false
        let wait = agent.config.pullWaitSeconds
        while !Task.isCancelled {
            do {
                if needPlans {
                    try await agent.listedPlans(try await pullClient.plans())
                    needPlans = false
                }
                let cursor = await agent.state.cursor
                let started = ContinuousClock.now
                var news = false
                if agent.config.pull == .stream {
                    try await stream(from: cursor, wait: wait) {
                        backoff.succeeded()
                        news = news || $0
                    }
                } else {
                    let (response, raw) = try await pullClient.pull(since: cursor, limit: 1000, wait: more ? 0 : wait)
                    try await agent.pulled(response, raw: raw)
                    more = response.more
                    news = !response.actions.isEmpty || !response.conflicts.isEmpty || response.more
                    backoff.succeeded()
                }
                // A hub that ends every wait at once (limits.maxWaitSeconds 0) must not be
                // asked again in a tight loop: at most once a second while nothing is new.
                if !news, ContinuousClock.now - started < .seconds(1) { await pause(.seconds(1)) }
            } catch is CancellationError {
                return
            } catch {
                await agent.unreachable(Self.describe(error))
                await agent.attempted()
                needPlans = true
                await pause(backoff.failed(unit: Double.random(in: 0..<1)))
            }
        }
    }

    /// Receives the hub's stream of answers until the hub ends it; `received` is called
    /// after each answer is stored, with whether it brought anything.
    func stream(from cursor: Int64, wait: Int, received: (Bool) -> Void) async throws {
        let (answers, sink) = AsyncStream.makeStream(of: [UInt8].self)
        let client = pullClient
        async let transfer: Void = {
            defer { sink.finish() }
            try await client.stream(since: cursor, wait: wait) { sink.yield($0) }
        }()
        for await raw in answers {
            let answer = try client.decodeAnswer(raw)
            try await agent.pulled(answer, raw: raw)
            received(!answer.actions.isEmpty || !answer.conflicts.isEmpty || answer.more)
        }
        try await transfer
    }

    /// Sleeps for a backoff delay, waking early when someone asks for a sync.
    func pause(_ delay: Duration) async {
        let deadline = ContinuousClock.now + delay
        while ContinuousClock.now < deadline && !Task.isCancelled {
            if await agent.takeUrgent() { return }
            try? await Task.sleep(for: min(.milliseconds(100), ContinuousClock.now.duration(to: deadline)))
        }
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
