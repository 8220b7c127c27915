import ConcordClient
import ConcordCodec
import ConcordCore
import ConcordHTTP
import ConcordTestSupport
import ConcordWire
import Foundation

/// `concord-bench scale [ingest | propagation | streams]`: the hub on PostgreSQL with two
/// processes, side by side with one process on SQLite, in one run (issue 13). Every hub is a
/// real `concord-hub serve` process of this build; PostgreSQL is a throwaway cluster with
/// every commit flushed to disk, as SQLite's are (`synchronous=FULL`).
enum ScaleBench {
    static func run(_ which: String?) async throws {
        let cluster = try await PostgresCluster.start(durable: true)
        do {
            switch which {
            case "ingest": try await ingest(cluster)
            case "propagation": try await propagation(cluster)
            case "streams": try await StreamBench.run(cluster)
            default:
                try await ingest(cluster)
                try await propagation(cluster)
                try await StreamBench.run(cluster)
            }
        } catch {
            await cluster.stop()
            throw error
        }
        await cluster.stop()
    }

    /// Hub processes on one database: the SQLite default (`cluster` nil, one process) or a
    /// fresh PostgreSQL database of `cluster` (`processes` of them), with the limits a
    /// hosted hub sets.
    final class Hubs: Sendable {
        let dir: URL
        let processes: [(process: ChildProcess, port: Int)]
        let caFile: String
        let adminToken: String

        init(dir: URL, processes: [(ChildProcess, Int)], caFile: String, adminToken: String) {
            self.dir = dir
            self.processes = processes.map { (process: $0.0, port: $0.1) }
            self.caFile = caFile
            self.adminToken = adminToken
        }

        static func start(cluster: PostgresCluster?, processes count: Int) async throws -> Hubs {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
                "concord-scale-\(UUID().uuidString)")
            let data = dir.appendingPathComponent("hub")
            var arguments = [
                "init", "--data-dir", data.path, "--host", "127.0.0.1", "--port", "0", "--hostname", "localhost",
            ]
            if let cluster { arguments += ["--database-url", cluster.url(try await cluster.freshDatabase())] }
            let initialised = try await ChildProcess.run("concord-hub", arguments)
            guard initialised.status == 0 else { throw ChildError("init: \(initialised.output)") }
            // A hosted hub's limits: thousands of streams, long waits, big batches.
            let file = data.appendingPathComponent("hub.json")
            var config = try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as! [String: Any]
            config["limits"] = ["maxConnections": 10_000, "maxWaitSeconds": 600, "maxPullLimit": 50_000]
            config["logLevel"] = "warning"
            try JSONSerialization.data(withJSONObject: config).write(to: file)
            var started: [(ChildProcess, Int)] = []
            for n in 0..<count { started.append(try await ScaledOutHub.startHub(data: data, dir: dir, number: n)) }
            let token = try String(contentsOf: data.appendingPathComponent("admin.token"), encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            return Hubs(
                dir: dir, processes: started, caFile: data.appendingPathComponent("tls/ca.pem").path, adminToken: token)
        }

        /// A client of process `n` (modulo their count) with `token`.
        func client(_ token: String, process n: Int) -> JSONClient {
            var c = HTTPClientConfiguration(
                baseURL: "https://127.0.0.1:\(processes[n % processes.count].port)", caFile: caFile, bearerToken: token)
            c.proxy = ""
            c.requestTimeout = .seconds(600)
            return JSONClient(HTTPClient(c))
        }

        /// Resident memory of each process now, and at most so far (MiB).
        var rss: [(now: Double, peak: Double)] {
            processes.map { (AgentBench.rssMiB($0.process.pid), AgentBench.statusMiB($0.process.pid, "VmHWM:")) }
        }

        func stop() async {
            for p in processes { await p.process.stop() }
            try? FileManager.default.removeItem(at: dir)
        }
    }

    // MARK: Ingest

    /// Push ingest: 10,000 actions created by the admin, then 20,000 edits of them in batches
    /// of 1,000 from two clients at once, each through a process of its own (PostgreSQL) or
    /// both through the one (SQLite). Two rounds, SQLite then PostgreSQL each time.
    static func ingest(_ cluster: PostgresCluster) async throws {
        let actions = ProcessInfo.processInfo.environment["CONCORD_BENCH_ACTIONS"].flatMap(Int.init) ?? 10_000
        print("Push ingest, side by side (\(ProcessInfo.processInfo.activeProcessorCount) cores, TLS on loopback)")
        print("")
        print("| round | store | hub processes | creates/s | edits/s (2 clients) |")
        print("| ---: | --- | ---: | ---: | ---: |")
        for round in 1...2 {
            for postgres in [false, true] {
                let hubs = try await Hubs.start(cluster: postgres ? cluster : nil, processes: postgres ? 2 : 1)
                do {
                    let (creates, edits) = try await ingestRun(hubs, actions: actions)
                    print(
                        "| \(round) | \(postgres ? "PostgreSQL" : "SQLite") | \(hubs.processes.count) | \(Int(creates)) | \(Int(edits)) |"
                    )
                } catch {
                    await hubs.stop()
                    throw error
                }
                await hubs.stop()
            }
        }
    }

    // Long: the ingest's two phases, each timed as a whole.
    static func ingestRun(_ hubs: Hubs, actions: Int) async throws -> (creates: Double, edits: Double) {
        let admin = hubs.client(hubs.adminToken, process: 0)
        var tokens: [String] = []
        for id in ["police", "csc"] {
            let issued: IssuedToken = try await admin.post(
                "/v1/agencies", AgencyRequest(id: AgencyID(id), name: id, role: .agency), expect: 201)
            tokens.append(issued.token)
        }
        let _: PlanImportResponse = try await admin.post(
            "/v1/plans", PlanImportRequest(id: PlanID("bench"), title: "Bench"), expect: 201)
        let owners = ["police", "csc"]
        let refs = (0..<actions).map { try! ActionRef("\($0 / 100 + 1).\($0 % 100 + 1)") }
        let creates = refs.enumerated().map { i, ref in
            Change(
                action: ActionAddress(plan: try! PlanID("bench"), ref: ref), baseRevision: 0, create: true,
                fields: [
                    .title: FieldChange(from: .null, to: .text("Action \(ref)")),
                    .ownerAgency: FieldChange(from: .null, to: .text(owners[i % 2])),
                    .rag: FieldChange(from: .null, to: .text("amber")),
                ])
        }
        var started = ContinuousClock.now
        for batch in stride(from: 0, to: creates.count, by: 1000) {
            _ = try await admin.push(Array(creates[batch..<min(batch + 1000, creates.count)]))
        }
        let createRate = Double(actions) / (ContinuousClock.now - started).seconds
        // Each client edits its agency's actions twice over, from the hub's value each time.
        started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for c in 0..<2 {
                let client = hubs.client(tokens[c], process: c)
                let mine = refs.enumerated().filter { $0.offset % 2 == c }.map(\.element)
                group.addTask {
                    for pass in 0..<2 {
                        let edits = mine.map { ref in
                            Change(
                                action: ActionAddress(plan: try! PlanID("bench"), ref: ref), baseRevision: 0,
                                fields: [
                                    .progress: FieldChange(
                                        from: pass == 0 ? .null : .text("Pass 0 \(ref)"),
                                        to: .text("Pass \(pass) \(ref)"))
                                ])
                        }
                        for batch in stride(from: 0, to: edits.count, by: 1000) {
                            let results = try await client.push(Array(edits[batch..<min(batch + 1000, edits.count)]))
                            guard results.allSatisfy({ $0.outcome == .applied }) else {
                                throw ChildError(
                                    "an edit was not applied: \(results.first { $0.outcome != .applied }!)")
                            }
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        return (createRate, Double(actions * 2) / (ContinuousClock.now - started).seconds)
    }
}
