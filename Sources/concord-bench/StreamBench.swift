import ConcordClient
import ConcordCodec
import ConcordCore
import ConcordTestSupport
import ConcordWire
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// A hosted hub at scale: 2,000 streaming clients (simulated here, on SwiftNIO, not 2,000
/// agent processes) across 100 partnerships of 20 agencies, on two hub processes sharing one
/// PostgreSQL database. Changes are pushed to each plan in turn through either process;
/// each must reach its plan's 20 partners, and no one else.
enum StreamBench {
    static let plans = ProcessInfo.processInfo.environment["CONCORD_BENCH_PLANS"].flatMap(Int.init) ?? 100
    static let perPlan = 20
    static let changes = ProcessInfo.processInfo.environment["CONCORD_BENCH_CHANGES"].flatMap(Int.init) ?? 300

    /// What the clients saw.
    final class Tally: Sendable {
        struct State {
            var sent: [String: ContinuousClock.Instant] = [:]
            var latencies: [Double] = []
            var strangers = 0
            var lines = 0
        }
        let state = Mutex(State())
    }

    // Long: the set-up (2,000 agencies, 100 plans, 2,000 streams), the pushes, and the table.
    static func run(_ cluster: PostgresCluster) async throws {
        let hubs = try await ScaleBench.Hubs.start(cluster: cluster, processes: 2)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            let admin = [hubs.client(hubs.adminToken, process: 0), hubs.client(hubs.adminToken, process: 1)]
            var tokens: [String: String] = [:]
            for p in 0..<plans {
                for a in 0..<perPlan {
                    let id = "a\(p)-\(a)"
                    let issued: IssuedToken = try await admin[0].post(
                        "/v1/agencies", AgencyRequest(id: AgencyID(id), name: id, role: .agency), expect: 201)
                    tokens[id] = issued.token
                }
                var csv = "ref,action,lead_agency,supporting_agencies,rag\n"
                let supporters = (1..<perPlan).map { "a\(p)-\($0)" }.joined(separator: ";")
                for i in 0..<10 { csv += "1.\(i + 1),Action \(i),a\(p)-0,\(supporters),amber\n" }
                let _: PlanImportResponse = try await admin[0].post(
                    "/v1/plans", PlanImportRequest(id: PlanID("p\(p)"), title: "Plan \(p)", csv: csv), expect: 201)
            }
            let tally = Tally()
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .file(hubs.caFile)
            let context = try NIOSSLContext(configuration: tls)
            var channels: [any Channel] = []
            let connectStarted = ContinuousClock.now
            for p in 0..<plans {
                for a in 0..<perPlan {
                    let port = hubs.processes[(p * perPlan + a) % 2].port
                    channels.append(
                        try await stream(
                            group: group, context: context, port: port, token: tokens["a\(p)-\(a)"]!,
                            plan: "p\(p)", tally: tally))
                }
            }
            // Every stream has had its first answer (the whole plan) before the clock starts.
            while tally.state.withLock({ $0.lines }) < plans * perPlan { try await Task.sleep(for: .milliseconds(50)) }
            let connected = (ContinuousClock.now - connectStarted).seconds
            try await Task.sleep(for: .seconds(2))
            for n in 0..<changes {
                let p = n % plans
                let value = "scale-\(n)"
                tally.state.withLock { $0.sent[value] = .now }
                let results = try await admin[n % 2].push([
                    Change(
                        action: ActionAddress(plan: PlanID("p\(p)"), ref: ActionRef("1.\(n / plans % 10 + 1)")),
                        baseRevision: 0, fields: [.progress: FieldChange(from: .null, to: .text(value))],
                        reason: nil)
                ])
                _ = results
                try await Task.sleep(for: .milliseconds(20))
            }
            try await Task.sleep(for: .seconds(3))
            let state = tally.state.withLock { $0 }
            let latencies = state.latencies.sorted()
            let rss = hubs.rss
            let f = HubBench.fmt
            print("")
            print(
                "Streams: \(plans * perPlan) streaming clients, \(plans) plans of \(perPlan) partners, 2 hub processes on PostgreSQL; \(changes) changes, one every 20 ms, through either process (all streams connected in \(f(connected)) s)"
            )
            print("")
            print(
                "| deliveries | expected | to a non-partner | p50 ms | p90 ms | p99 ms | max ms | hub RSS MiB (now / peak) |"
            )
            print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
            let memory = rss.map { "\(f($0.now)) / \(f($0.peak))" }.joined(separator: ", ")
            print(
                "| \(latencies.count) | \(changes * perPlan) | \(state.strangers) | \(f(latencies[latencies.count / 2])) | \(f(latencies[latencies.count * 9 / 10])) | \(f(latencies[latencies.count * 99 / 100])) | \(f(latencies.last!)) | \(memory) |"
            )
            for channel in channels { channel.close(promise: nil) }
        } catch {
            try? await group.shutdownGracefully()
            await hubs.stop()
            throw error
        }
        try await group.shutdownGracefully()
        await hubs.stop()
    }

    /// Opens one stream for `token`, a partner of `plan` only, counting what it receives.
    static func stream(
        group: MultiThreadedEventLoopGroup, context: NIOSSLContext, port: Int, token: String, plan: String,
        tally: Tally
    ) async throws -> any Channel {
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        try NIOSSLClientHandler(context: context, serverHostname: "localhost"))
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(LineCounter(plan: plan, tally: tally))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        var head = HTTPRequestHead(
            version: .http1_1, method: .GET, uri: "/v1/sync/stream?since=0&wait=600&heartbeat=20")
        head.headers.add(name: "Host", value: "localhost")
        head.headers.add(name: "Authorization", value: "Bearer \(token)")
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        try await channel.writeAndFlush(HTTPClientRequestPart.end(nil)).get()
        return channel
    }

    /// Splits a stream into lines; for each record in them, notes whether it belongs to the
    /// client's plan and how long after its push it came.
    final class LineCounter: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPClientResponsePart
        let plan: String
        let tally: Tally
        var buffer: [UInt8] = []

        init(plan: String, tally: Tally) {
            self.plan = plan
            self.tally = tally
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard case .body(let bytes) = unwrapInboundIn(data) else { return }
            buffer.append(contentsOf: bytes.readableBytesView)
            while let newline = buffer.firstIndex(of: 0x0A) {
                let line = Array(buffer[..<newline])
                buffer.removeSubrange(...newline)
                handle(line)
            }
        }

        func handle(_ line: [UInt8]) {
            let arrived = ContinuousClock.now
            guard let page = try? ConcordJSON.decode(PullResponse.self, from: Data(line)) else { return }
            tally.state.withLock { state in
                state.lines += 1
                for action in page.actions {
                    if action.plan.rawValue != plan { state.strangers += 1 }
                    if let progress = action.progress, let sent = state.sent[progress] {
                        state.latencies.append((arrived - sent).seconds * 1000)
                    }
                }
            }
        }
    }
}
