import ConcordClient
import ConcordCore
import ConcordTestSupport
import ConcordWire
import Foundation

extension ScaleBench {
    /// Edit acknowledged by agent A → arrived at agent B, with 50 agents connected: through
    /// one SQLite hub process, and through two PostgreSQL ones (A on process 1, B on process
    /// 2, the others alternating), two rounds side by side.
    static func propagation(_ cluster: PostgresCluster) async throws {
        let count = ProcessInfo.processInfo.environment["CONCORD_BENCH_AGENTS"].flatMap(Int.init) ?? 50
        let edits = ProcessInfo.processInfo.environment["CONCORD_BENCH_EDITS"].flatMap(Int.init) ?? 200
        print("")
        print("Propagation agent → hub → agent, \(count) agents connected, \(edits) edits")
        print("")
        print("| round | store | path | p50 ms | p90 ms | p99 ms | max ms |")
        print("| ---: | --- | --- | ---: | ---: | ---: | ---: |")
        for round in 1...2 {
            for postgres in [false, true] {
                let hubs = try await Hubs.start(cluster: postgres ? cluster : nil, processes: postgres ? 2 : 1)
                let dir = hubs.dir.appendingPathComponent("agents")
                try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
                var agents: [(ChildProcess, JSONClient)] = []
                do {
                    let tokens = try await seed(hubs, agencies: count)
                    for i in 0..<count {
                        let port = hubs.processes[i % hubs.processes.count].port
                        agents.append(
                            try await AgentBench.startAgent(
                                baseURL: "https://127.0.0.1:\(port)", caFile: hubs.caFile, dir, index: i,
                                token: tokens[i]))
                    }
                    let times = try await AgentBench.propagationTimes(agents, dir: dir, edits: edits).sorted()
                    let path = postgres ? "agent → process 1 → process 2 → agent" : "agent → hub → agent"
                    let f = HubBench.fmt
                    print(
                        "| \(round) | \(postgres ? "PostgreSQL" : "SQLite") | \(path) | \(f(times[times.count / 2])) | \(f(times[times.count * 9 / 10])) | \(f(times[times.count * 99 / 100])) | \(f(times.last!)) |"
                    )
                } catch {
                    for (p, _) in agents { p.signal(SIGKILL) }
                    await hubs.stop()
                    throw error
                }
                for (p, _) in agents { await p.stop() }
                await hubs.stop()
            }
        }
    }

    /// `count` agencies all partners in plan `bench` (100 actions led by agency0); their tokens.
    static func seed(_ hubs: Hubs, agencies count: Int) async throws -> [String] {
        let admin = hubs.client(hubs.adminToken, process: 0)
        var tokens: [String] = []
        for i in 0..<count {
            let issued: IssuedToken = try await admin.post(
                "/v1/agencies", AgencyRequest(id: AgencyID("agency\(i)"), name: "Agency \(i)", role: .agency),
                expect: 201)
            tokens.append(issued.token)
        }
        var csv = "ref,action,lead_agency,supporting_agencies,rag\n"
        let supporters = (1..<count).map { "agency\($0)" }.joined(separator: ";")
        for i in 0..<100 { csv += "1.\(i + 1),Action \(i),agency0,\(supporters),amber\n" }
        let _: PlanImportResponse = try await admin.post(
            "/v1/plans", PlanImportRequest(id: PlanID("bench"), title: "Bench", csv: csv), expect: 201)
        return tokens
    }
}
