import ConcordAgent
import ConcordCodec
import ConcordCore
import ConcordHTTP
import ConcordHub
import ConcordTestSupport
import ConcordWire
import Foundation
import Logging

enum AgentBench {
    static var logger: Logger {
        var l = Logger(label: "bench")
        l.logLevel = .error
        return l
    }

    static func temporaryDirectory() -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("concord-bench-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static func actions(_ n: Int, owner: AgencyID) -> [Action] {
        (0..<n).map {
            Action(
                plan: try! PlanID("bench"), ref: try! ActionRef("\($0 / 100 + 1).\($0 % 100 + 1)"), revision: 1,
                title: "Action \($0)", ownerAgency: owner, targetDate: LocalDate("2026-06-30"), rag: "amber",
                progress: "Started")
        }
    }

    /// The cost of one acknowledged edit (checked, journalled, fsynced) with 100 and with
    /// 100,000 actions in the store: appends, not rewrites.
    static func editCost() async throws {
        print("| actions in store | edits | p50 ms | p99 ms | mean ms |")
        print("| ---: | ---: | ---: | ---: | ---: |")
        var means: [Double] = []
        for n in [100, 100_000] {
            let dir = temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let police = try AgencyID("police")
            let records = actions(n, owner: police)
            let store = try pulledStore(dir, records)
            let config = AgentConfig(stateDir: dir.path, hub: "https://127.0.0.1:9", agency: police, tokenFile: nil)
            let agent = Agent(store: store, config: config, logger: logger)
            var times: [Double] = []
            for i in 0..<2000 {
                let address = records[(i * 7919) % n].address
                let started = ContinuousClock.now
                _ = try await agent.edit(address, set: [.progress: .text("Update \(i)")])
                times.append((ContinuousClock.now - started).seconds * 1000)
            }
            times.sort()
            let mean = times.reduce(0, +) / Double(times.count)
            means.append(mean)
            print(
                "| \(n) | \(times.count) | \(HubBench.fmt(times[times.count / 2])) | \(HubBench.fmt(times[times.count * 99 / 100])) | \(HubBench.fmt(mean)) |"
            )
        }
        print("")
        print("ratio of means (100,000 / 100): \(HubBench.fmt(means[1] / means[0]))")
    }

    /// A store in `dir` holding `records` as pulled (in answers of 1,000), compacted.
    static func pulledStore(_ dir: URL, _ records: [Action]) throws -> AgentStore {
        let store = try AgentStore(directory: dir.path, agency: records[0].ownerAgency, logger: logger)
        for chunk in stride(from: 0, to: records.count, by: 1000) {
            try store.recordPull(
                PullResponse(
                    actions: Array(records[chunk..<min(chunk + 1000, records.count)]), cursor: Int64(chunk),
                    more: false, conflicts: []), at: Agent.systemTime())
        }
        try store.compact()
        return store
    }

    /// How long an agent's store takes to open with 100,000 actions: from a fresh snapshot,
    /// and from that snapshot plus a journal of pulled answers (10,000 records in 100 answers).
    static func startUp() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let police = try AgencyID("police")
        let n = 100_000
        let records = actions(n, owner: police)
        _ = try pulledStore(dir, records)  // closed again at once
        print("| store | open ms |")
        print("| --- | ---: |")
        func open(_ what: String) throws {
            let started = ContinuousClock.now
            let store = try AgentStore(directory: dir.path, agency: police, logger: logger)
            let ms = (ContinuousClock.now - started).seconds * 1000
            precondition(store.state.records.count == n)
            print("| \(what) | \(HubBench.fmt(ms)) |")
        }
        try open("snapshot of \(n) actions")
        do {
            let store = try AgentStore(directory: dir.path, agency: police, logger: logger)
            for chunk in stride(from: 0, to: 10_000, by: 100) {
                let response = PullResponse(
                    actions: Array(records[chunk..<chunk + 100]), cursor: Int64(n + chunk), more: false, conflicts: [])
                try store.recordPull(
                    response, raw: Array(try ConcordJSON.encode(response, pretty: false)), at: Agent.systemTime())
            }
        }
        try open("snapshot + journal of 10,000 pulled records")
    }

    static var binDir: URL { URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent() }

    /// The folder of the `concord-agent` to run: `CONCORD_BENCH_AGENT_DIR` (scripts/bench-agent-rss
    /// gives the build deploy/install.sh makes), or next to the bench.
    static var agentDir: String { ProcessInfo.processInfo.environment["CONCORD_BENCH_AGENT_DIR"] ?? binDir.path }

    /// User plus system CPU seconds a process has used.
    static func cpuSeconds(_ pid: Int32) -> Double {
        guard let stat = readProcFile("/proc/\(pid)/stat"),
            let close = stat.lastIndex(of: ")")
        else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    static func rssMiB(_ pid: Int32) -> Double { statusMiB(pid, "VmRSS:") }

    /// A memory line of /proc/PID/status (`VmRSS:`, `VmHWM:`…) in MiB; 0 when unreadable.
    static func statusMiB(_ pid: Int32, _ key: String) -> Double {
        guard let status = readProcFile("/proc/\(pid)/status") else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix(key) {
            return Double(line.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0) / 1024
        }
        return 0
    }

    /// A hub in this process with `agencies` agencies partnered in one plan; returns their tokens.
    static func withHub(agencies: Int, actions n: Int, _ body: (TestHub, [String]) async throws -> Void) async throws {
        try await withTestHub { hub in
            var tokens: [String] = []
            for i in 0..<agencies {
                let issued: IssuedToken = try await hub.admin.post(
                    "/v1/agencies", AgencyRequest(id: AgencyID("agency\(i)"), name: "Agency \(i)", role: .agency),
                    expect: 201)
                tokens.append(issued.token)
            }
            var csv = "ref,action,lead_agency,supporting_agencies,rag\n"
            let supporters = (1..<agencies).map { "agency\($0)" }.joined(separator: ";")
            for i in 0..<n { csv += "\(i / 100 + 1).\(i % 100 + 1),Action \(i),agency0,\(supporters),amber\n" }
            let _: PlanImportResponse = try await hub.admin.post(
                "/v1/plans", PlanImportRequest(id: PlanID("bench"), title: "Bench", csv: csv), expect: 201)
            try await body(hub, tokens)
        }
    }

    static func startAgent(
        _ hub: TestHub, _ dir: URL, index: Int, token: String
    ) async throws -> (
        ChildProcess, JSONClient
    ) {
        try await startAgent(baseURL: hub.baseURL, caFile: hub.caFile, dir, index: index, token: token)
    }

    /// A release concord-agent for `agency{index}` of the hub at `baseURL`, online and synced.
    static func startAgent(
        baseURL: String, caFile: String, _ dir: URL, index: Int, token: String
    ) async throws -> (ChildProcess, JSONClient) {
        let stateDir = dir.appendingPathComponent("agent\(index)")
        let tokenFile = dir.appendingPathComponent("agent\(index).token")
        try writeSecret(token + "\n", to: tokenFile)
        _ = try AgentApp.initialize(
            stateDir: stateDir.path, hub: baseURL, agency: try AgencyID("agency\(index)"),
            tokenFile: tokenFile.path,
            caFile: caFile)
        setenv("CONCORD_BIN_DIR", agentDir, 1)
        let process = try ChildProcess(
            "concord-agent", ["run", "--state-dir", stateDir.path], environment: ["CONCORD_AGENT_LOG_LEVEL": "error"],
            logFile: dir.appendingPathComponent("agent\(index).log"))
        var c = HTTPClientConfiguration(
            baseURL: "http://localhost", unixSocketPath: stateDir.appendingPathComponent("control.sock").path)
        c.requestTimeout = .seconds(60)
        let control = JSONClient(HTTPClient(c))
        for _ in 0..<2000 {
            if let r = try? await control.raw("GET", "/v1/status"), r.status == 200 { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        let report: SyncReport = try await control.post("/v1/sync?wait=60", [String: String]())
        guard report.online else { fatalError("agent \(index) could not reach the hub: \(report)") }
        return (process, control)
    }

    /// Idle RSS of a release concord-agent connected to a hub and streaming, holding 100 and
    /// then 1,000 and 10,000 actions; with where the resident pages are, by file.
    static func idleRSS() async throws {
        print("concord-agent: \(agentDir)/concord-agent")
        for n in [100, 1_000, 10_000] {
            try await withHub(agencies: 1, actions: n) { hub, tokens in
                let dir = temporaryDirectory()
                defer { try? FileManager.default.removeItem(at: dir) }
                let (process, control) = try await startAgent(hub, dir, index: 0, token: tokens[0])
                defer { process.signal(SIGKILL) }
                try await Task.sleep(for: .seconds(5))
                let status: AgentStatus = try await control.get("/v1/status")
                let threads =
                    (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(process.pid)/task").count) ?? 0
                print(
                    "idle RSS with \(status.actions) actions, connected and streaming: \(HubBench.fmt(rssMiB(process.pid))) MiB (\(threads) threads)"
                )
                if n == 100 { printResidentByFile(process.pid) }
                await process.stop()
            }
        }
    }

    /// kB resident by mapped file (anonymous memory as `[anonymous]`), from /proc/PID/smaps:
    /// private pages are this process's alone; shared ones are also mapped by another process.
    static func printResidentByFile(_ pid: Int32) {
        guard let smaps = readProcFile("/proc/\(pid)/smaps") else { return }
        var rows: [String: (rss: Int, privateKB: Int, anonymous: Int)] = [:]
        var name = ""
        for line in smaps.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let first = fields.first else { continue }
            if first.contains("-"), !first.hasSuffix(":") {
                let path = fields.count >= 6 ? String(fields[5...].joined(separator: " ")) : "[anonymous]"
                name = path.split(separator: "/").last.map(String.init) ?? path
                continue
            }
            guard fields.count >= 2, let kb = Int(fields[1]) else { continue }
            switch first {
            case "Rss:": rows[name, default: (0, 0, 0)].rss += kb
            case "Private_Clean:", "Private_Dirty:": rows[name, default: (0, 0, 0)].privateKB += kb
            case "Anonymous:": rows[name, default: (0, 0, 0)].anonymous += kb
            default: break
            }
        }
        print("  \("file".padding(toLength: 34, withPad: " ", startingAt: 0))   rss kB  private  of it anonymous")
        for (file, r) in rows.sorted(by: { $0.value.rss > $1.value.rss }).prefix(16) {
            let label = file.padding(toLength: 34, withPad: " ", startingAt: 0)
            print("  \(label) \(pad(r.rss)) \(pad(r.privateKB)) \(pad(r.anonymous))")
        }
        let rest = rows.sorted(by: { $0.value.rss > $1.value.rss }).dropFirst(16)
        print(
            "  \("(\(rest.count) more files)".padding(toLength: 34, withPad: " ", startingAt: 0)) \(pad(rest.reduce(0) { $0 + $1.value.rss }))"
        )
    }

    /// A /proc file whole: its size shows as 0, so it is read to the end, not by its size.
    static func readProcFile(_ path: String) -> String? {
        guard let bytes = try? FileIO.read(path) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func pad(_ n: Int) -> String {
        let s = String(n)
        return String(repeating: " ", count: max(0, 8 - s.count)) + s
    }

    /// Edit acknowledged by agent A → visible in agent B's control API, through the hub,
    /// with `CONCORD_BENCH_AGENTS` (default 50) agents connected.
    static func propagation() async throws {
        let count = ProcessInfo.processInfo.environment["CONCORD_BENCH_AGENTS"].flatMap(Int.init) ?? 50
        let edits = ProcessInfo.processInfo.environment["CONCORD_BENCH_EDITS"].flatMap(Int.init) ?? 200
        try await withHub(agencies: count, actions: 100) { hub, tokens in
            let dir = temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            var agents: [(ChildProcess, JSONClient)] = []
            defer { for (p, _) in agents { p.signal(SIGKILL) } }
            for i in 0..<count { agents.append(try await startAgent(hub, dir, index: i, token: tokens[i])) }
            let hubBefore = cpuSeconds(getpid()), agentsBefore = agents.map { cpuSeconds($0.0.pid) }.reduce(0, +)
            var times = try await propagationTimes(agents, dir: dir, edits: edits)
            let hubCPU = cpuSeconds(getpid()) - hubBefore
            let agentCPU = agents.map { cpuSeconds($0.0.pid) }.reduce(0, +) - agentsBefore
            times.sort()
            print(
                "CPU per edit: hub and bench process \(HubBench.fmt(hubCPU / Double(edits) * 1000)) ms, all agents \(HubBench.fmt(agentCPU / Double(edits) * 1000)) ms"
            )
            print("| agents connected | edits | p50 ms | p90 ms | p99 ms | max ms |")
            print("| ---: | ---: | ---: | ---: | ---: | ---: |")
            print(
                "| \(count) | \(times.count) | \(HubBench.fmt(times[times.count / 2])) | \(HubBench.fmt(times[times.count * 9 / 10])) | \(HubBench.fmt(times[times.count * 99 / 100])) | \(HubBench.fmt(times.last!)) |"
            )
            let rss = agents.map { rssMiB($0.0.pid) }
            print("agent RSS while connected: median \(HubBench.fmt(rss.sorted()[rss.count / 2])) MiB")
            for (p, _) in agents { p.signal(SIGTERM) }
        }
    }

    /// Milliseconds from each edit acknowledged by the first agent to its arrival in the last
    /// agent's control API (only the first agent edits), `edits` times.
    static func propagationTimes(_ agents: [(ChildProcess, JSONClient)], dir: URL, edits: Int) async throws -> [Double]
    {
        let a = agents[0].1, b = agents[agents.count - 1].1
        let watch = try DirectoryWatch(dir.appendingPathComponent("agent\(agents.count - 1)").path)
        try await Task.sleep(for: .seconds(2))
        var times: [Double] = []
        for i in 0..<edits {
            let ref = "1.\(i % 100 + 1)"
            let value = "Propagated \(i) \(UUID().uuidString.prefix(8))"
            let before: AgentStatus = try await b.get("/v1/status")
            watch.drain()
            let started = ContinuousClock.now
            let _: EditReceipt = try await a.post(
                "/v1/actions/bench/\(ref)", UpdateRequest(set: ["progress": .text(value)]))
            let acknowledged = ContinuousClock.now
            // B's cursor moves when it has pulled the edit (only A edits). B journals a
            // pulled answer before it applies it, so the bench asks B's control API only
            // when B's state directory changes: polling B in a loop would take CPU from
            // the very agents being measured.
            while true {
                await watch.wait(milliseconds: 50)
                let status: AgentStatus = try await b.get("/v1/status")
                if status.cursor > before.cursor { break }
                if ContinuousClock.now - started > .seconds(10) { fatalError("edit \(i) never arrived") }
            }
            let arrived = ContinuousClock.now
            let detail: ActionDetail = try await b.get("/v1/actions/bench/\(ref)")
            guard detail.action.progress == value else { fatalError("B pulled something else than edit \(i)") }
            times.append((arrived - acknowledged).seconds * 1000)
            try await Task.sleep(for: .milliseconds(20))
        }
        return times
    }
}

/// Changes to the files of one directory, through inotify.
final class DirectoryWatch: Sendable {
    private let fd: Int32

    init(_ path: String) throws {
        fd = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        guard fd >= 0, inotify_add_watch(fd, path, UInt32(IN_MODIFY | IN_MOVED_TO | IN_CREATE)) >= 0 else {
            throw POSIXError(.init(rawValue: errno) ?? .EIO)
        }
    }

    deinit { close(fd) }

    /// Forgets the changes seen so far.
    func drain() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while read(fd, &buffer, buffer.count) > 0 {}
    }

    /// Returns when a file in the directory changes (at once if one has changed since the
    /// last drain), or after `milliseconds`.
    func wait(milliseconds: Int32) async {
        let fd = self.fd
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                _ = poll(&p, 1, milliseconds)
                done.resume()
            }
        }
        drain()
    }
}
