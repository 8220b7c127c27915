import ConcordCore
import ConcordHTTP
import ConcordTestSupport
import ConcordWire
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The real `concord-hub` binary, killed with SIGKILL while a client pushes.
@Suite("Durability of the hub process", .serialized)
struct DurabilityTests {
    @Test func sigkillDuringPushes_keepsEveryAnsweredChange_andResendsAreAnsweredWithoutDuplicates() async throws {
        try await withTemporaryDirectory { dir in
            let data = dir.appendingPathComponent("hub")
            let initialised = try await ChildProcess.run(
                "concord-hub", ["init", "--data-dir", data.path, "--host", "127.0.0.1", "--port", "0"])
            #expect(initialised.status == 0, "\(initialised.output)")
            for id in ["csc", "police", "icb", "education", "probation", "nhs-trust"] {
                let added = try await ChildProcess.run(
                    "concord-hub",
                    [
                        "agency", "add", id, "--name", id, "--role", "agency", "--data-dir", data.path,
                        "--token-file", dir.appendingPathComponent("\(id).token").path,
                    ])
                #expect(added.status == 0, "\(added.output)")
            }
            func token(_ name: String) throws -> String {
                try String(contentsOf: data.appendingPathComponent(name), encoding: .utf8)
                    .trimmingCharacters(in: .whitespacesAndNewlines)
            }
            let adminToken = try token("admin.token")
            let policeToken = try String(contentsOf: dir.appendingPathComponent("police.token"), encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)

            let portFile = dir.appendingPathComponent("port")
            func startHub() async throws -> (ChildProcess, JSONClient, JSONClient) {
                try? FileManager.default.removeItem(at: portFile)
                let hub = try ChildProcess(
                    "concord-hub", ["serve", "--data-dir", data.path],
                    environment: ["CONCORD_HUB_PORT_FILE": portFile.path],
                    logFile: dir.appendingPathComponent("hub.log"))
                let port = try await waitForPort(portFile, process: hub)
                func client(_ token: String) -> JSONClient {
                    var c = HTTPClientConfiguration(
                        baseURL: "https://127.0.0.1:\(port)", caFile: data.appendingPathComponent("tls/ca.pem").path,
                        bearerToken: token)
                    c.proxy = ""
                    c.requestTimeout = .seconds(20)
                    return JSONClient(HTTPClient(c))
                }
                return (hub, client(adminToken), client(policeToken))
            }

            var (hub, admin, police) = try await startHub()
            defer { hub.signal(SIGKILL) }
            let csv = try String(
                contentsOf: repoRoot.appendingPathComponent("samples/plan-child-m.csv"), encoding: .utf8)
            let _: PlanImportResponse = try await admin.post(
                "/v1/plans", PlanImportRequest(id: PlanID("child-m"), title: "Child M", csv: csv), expect: 201)

            var sent: [Change] = []
            var answered: [UUID: ChangeResult] = [:]
            let police1 = try AgencyID("police")
            for round in 0..<3 {
                // Push batches of notes from a task until the hub is killed under it.
                let actions = ["child-m/3.1", "child-m/3.2", "child-m/6.2", "child-m/1.1"].map(address)
                let batches = (0..<60).map { b in
                    (0..<20).map { i in
                        Change(
                            action: actions[i % actions.count], baseRevision: 0,
                            append: [.note(ProgressNote(text: "round \(round) batch \(b) note \(i)", author: police1))])
                    }
                }
                sent += batches.flatMap { $0 }
                let got = Answers()
                let pusher = Task { [police] in
                    for batch in batches {
                        guard let results = try? await police.push(batch) else { break }
                        await got.add(results)
                    }
                    await got.finish()
                }
                // Kill once at least one push of the round has been answered (however long a
                // loaded machine takes to get there), at a random moment of the stream after it.
                _ = await eventually { await got.startedOrFinished }
                #expect(await !got.results.isEmpty, "round \(round): no push answered (pusher stopped, or 30 s passed)")
                try await Task.sleep(for: .milliseconds(Int.random(in: 0...(100 * round))))
                hub.signal(SIGKILL)
                _ = await hub.waitForExit()
                await pusher.value
                for r in await got.results { answered[r.id] = r }
                (hub, admin, police) = try await startHub()
            }
            #expect(answered.count > 0, "some pushes must have been answered before the kills")
            #expect(answered.count < sent.count, "the kills must have interrupted the pushes")

            // Every answered change is in the database, with the same result.
            for batch in stride(from: 0, to: sent.count, by: 500).map({ Array(sent[$0..<min($0 + 500, sent.count)]) }) {
                let again = try await police.push(batch)
                for r in again where answered[r.id] != nil {
                    #expect(r == answered[r.id], "change \(r.id) was answered, then lost or changed")
                }
                #expect(again.allSatisfy { $0.outcome == .applied || answered[$0.id] == nil })
            }
            // Resending everything twice more changes nothing, and every note is there once.
            let plan: Plan = try await admin.get("/v1/plans/child-m")
            let notes = plan.actions.flatMap(\.notes)
            #expect(notes.count == sent.count)
            #expect(Set(notes.map(\.id)).count == notes.count)
            let history: History = try await admin.get("/v1/actions/child-m/3.1/history")
            #expect(Set(history.entries.map(\.change.id)).count == history.entries.count)
            await hub.stop()
        }
    }
}

/// The answers a pusher has had in one round.
actor Answers {
    var results: [ChangeResult] = []
    /// The pusher has stopped (the hub died under it, or every batch was sent).
    var finished = false
    func add(_ more: [ChangeResult]) { results += more }
    func finish() { finished = true }
    var startedOrFinished: Bool { !results.isEmpty || finished }
}
