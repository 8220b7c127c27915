import ConcordCodec
import ConcordCore
import ConcordHTTP
import ConcordHub
import ConcordTestSupport
import ConcordWire
import Foundation
import Logging
import ServiceLifecycle

/// `concord-bench`: measures the hub over real TLS on loopback. Run in release:
///
///     swift run -c release concord-bench [hub]
///
/// Numbers go to docs/benchmarks.md by hand, with the machine they were taken on.
@main
struct Bench {
    static func main() async throws {
        let which = CommandLine.arguments.dropFirst().first ?? "hub"
        switch which {
        case "hub": try await HubBench.run()
        case "agent-edit": try await AgentBench.editCost()
        case "agent-rss": try await AgentBench.idleRSS()
        case "agent-start": try AgentBench.startUp()
        case "propagation": try await AgentBench.propagation()
        case "codec": try CodecBench.run()
        case "report": try await ReportBench.run()
        case "screening": try await ScreeningBench.run()
        case "scale": try await ScaleBench.run(CommandLine.arguments.dropFirst(2).first)
        default:
            print(
                "usage: concord-bench [hub | agent-edit | agent-rss | agent-start | propagation | codec | report | screening | scale [ingest | propagation | streams]]"
            )
            exit(2)
        }
    }
}

enum HubBench {
    static let actionCount = ProcessInfo.processInfo.environment["CONCORD_BENCH_ACTIONS"].flatMap(Int.init) ?? 50_000

    static func run() async throws {
        try await withTestHub(configure: { $0.limits.maxPullLimit = actionCount }) { hub in
            try await measure(hub)
        }
    }

    // Long: the benchmark's steps and the table they print, in the order docs/benchmarks.md shows them.
    static func measure(_ hub: TestHub) async throws {
        let port = hub.port
        func client(_ token: String) -> HTTPClient {
            var c = HTTPClientConfiguration(
                baseURL: "https://127.0.0.1:\(port)", caFile: hub.caFile, bearerToken: token)
            c.proxy = ""
            c.requestTimeout = .seconds(600)
            return HTTPClient(c)
        }
        let admin = client(hub.adminToken)
        let police = try await addAgency(admin, "police")
        let _: PlanImportResponse = try await post(
            admin, "/v1/plans", PlanImportRequest(id: PlanID("bench"), title: "Bench"))

        print("Concord hub benchmark: TLS on loopback, \(ProcessInfo.processInfo.activeProcessorCount) cores")
        print("")
        print(
            "| what | batch | changes | field changes | seconds | changes/s | field changes/s | p50 batch ms | p99 batch ms |"
        )
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")

        // Creates: 50,000 actions by the admin, in batches of 1,000.
        let refs = (0..<actionCount).map { try! ActionRef("\($0 / 100 + 1).\($0 % 100 + 1)") }
        let creates = refs.map { ref in
            Change(
                action: ActionAddress(plan: try! PlanID("bench"), ref: ref), baseRevision: 0, create: true,
                fields: [
                    .title: FieldChange(from: .null, to: .text("Action \(ref)")),
                    .ownerAgency: FieldChange(from: .null, to: .text("police")),
                    .targetDate: FieldChange(from: .null, to: .text("2026-06-30")),
                    .rag: FieldChange(from: .null, to: .text("amber")),
                ])
        }
        try await ingest(admin, "create", creates, batch: 1000, fields: 4)

        // Edits: progress and lead officer of the police's actions, batches of 100 and 1,000.
        // Each edit's `from` is the hub's value, as an agent's would be, so every change applies.
        var progress = [FieldValue](repeating: .null, count: refs.count)
        for (batch, count) in [(100, min(20_000, actionCount)), (1000, actionCount)] {
            let edits = (0..<count).map { i in
                let to = FieldValue.text("Update \(batch)-\(i)")
                defer { progress[i % refs.count] = to }
                return Change(
                    action: ActionAddress(plan: try! PlanID("bench"), ref: refs[i % refs.count]), baseRevision: 0,
                    fields: [
                        .progress: FieldChange(from: progress[i % refs.count], to: to),
                        .leadOfficer: FieldChange(from: progress[i % refs.count], to: to),
                    ])
            }
            try await ingest(police, "edit", edits, batch: batch, fields: 2)
        }

        print("")
        print("| what | actions | bytes | seconds |")
        print("| --- | ---: | ---: | ---: |")
        for _ in 0..<3 {
            let started = ContinuousClock.now
            let response = try await police.send("GET", "/v1/sync/pull?since=0&limit=\(actionCount)")
            let seconds = (ContinuousClock.now - started).seconds
            let pulled = try ConcordJSON.decode(PullResponse.self, from: Data(response.body))
            let decoded = (ContinuousClock.now - started).seconds
            print(
                "| pull, one request (transfer / with client decode) | \(pulled.actions.count) | \(response.body.count) | \(fmt(seconds)) / \(fmt(decoded)) |"
            )
        }
        let started = ContinuousClock.now
        var cursor: Int64 = 0
        var total = 0
        while true {
            let response = try await police.send("GET", "/v1/sync/pull?since=\(cursor)&limit=5000")
            let page = try ConcordJSON.decode(PullResponse.self, from: Data(response.body))
            total += page.actions.count
            cursor = page.cursor
            if !page.more { break }
        }
        print("| pull, pages of 5,000 with decode | \(total) | | \(fmt((ContinuousClock.now - started).seconds)) |")
        let database = hub.dir.appendingPathComponent("hub.sqlite").path
        let dbSize = (try? FileManager.default.attributesOfItem(atPath: database)[.size] as? Int) ?? 0
        print("")
        print("database file after the run: \(dbSize / 1_048_576) MiB; peak RSS \(peakRSSMiB()) MiB")
    }

    static func ingest(_ client: HTTPClient, _ what: String, _ changes: [Change], batch: Int, fields: Int) async throws
    {
        var latencies: [Double] = []
        var outcomes: [Outcome: Int] = [:]
        let bodies = try stride(from: 0, to: changes.count, by: batch).map {
            Array(
                try ConcordJSON.encode(
                    PushRequest(changes: Array(changes[$0..<min($0 + batch, changes.count)])), pretty: false))
        }
        let started = ContinuousClock.now
        for body in bodies {
            let t = ContinuousClock.now
            let response = try await client.send("POST", "/v1/sync/push", body: body)
            latencies.append((ContinuousClock.now - t).seconds * 1000)
            guard response.status == 200 else {
                fatalError("push failed: \(response.status) \(response.text.prefix(300))")
            }
            for r in try JSONDecoder().decode(PushResponse.self, from: Data(response.body)).results {
                outcomes[r.outcome, default: 0] += 1
            }
        }
        let seconds = (ContinuousClock.now - started).seconds
        latencies.sort()
        let p50 = latencies[latencies.count / 2], p99 = latencies[min(latencies.count - 1, latencies.count * 99 / 100)]
        print(
            "| \(what) | \(batch) | \(changes.count) | \(changes.count * fields) | \(fmt(seconds)) | \(Int(Double(changes.count) / seconds)) | \(Int(Double(changes.count * fields) / seconds)) | \(fmt(p50)) | \(fmt(p99)) |"
        )
        if outcomes.keys.contains(where: { $0 == .rejected || $0 == .conflict }) {
            print("  outcomes: \(outcomes)")
        }
    }

    static func addAgency(_ admin: HTTPClient, _ id: String) async throws -> HTTPClient {
        let issued: IssuedToken = try await post(
            admin, "/v1/agencies", AgencyRequest(id: AgencyID(id), name: id, role: .agency))
        var c = admin.configuration
        c.bearerToken = issued.token
        return HTTPClient(c)
    }

    static func post<T: Decodable>(_ client: HTTPClient, _ path: String, _ body: some Encodable) async throws -> T {
        let response = try await client.send("POST", path, body: Array(try ConcordJSON.encode(body, pretty: false)))
        guard (200..<300).contains(response.status) else { fatalError("\(path): \(response.status) \(response.text)") }
        return try JSONDecoder().decode(T.self, from: Data(response.body))
    }

    static func fmt(_ x: Double) -> String { String(format: "%.2f", x) }

    static func peakRSSMiB() -> Int { Int(AgentBench.statusMiB(getpid(), "VmHWM:")) }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
