import ConcordAgent
import ConcordCodec
import ConcordCore
import ConcordHTTP
import ConcordHub
import ConcordScreening
import ConcordTestSupport
import ConcordWire
import Foundation

/// `concord-bench screening` (issue 14): what identifier screening adds to an acknowledged
/// edit and to the hub's ingest. Each is measured whole (screening included, as the product
/// runs), and the screening of the very same changes with the very same rules is timed
/// beside it in the same run; what screening adds is its time over the rest.
enum ScreeningBench {
    /// Progress notes as practitioners write them: dates, figures, references, a service's
    /// phone and a postcode the policy flags, 150-600 characters.
    static let notes = [
        "Audit of 30 strategy meetings held between 01/02/2026 and 31/03/2026: 27 had health present (90%). Next audit booked for 14 May; the MASH manager will present findings to the June subgroup. Ref DOC-2291.",
        "Training held on 12 March 2026 for 162 practitioners (police 41, health 58, children's social care 47, education 16). Evaluations returned by 131; 83% could describe the escalation route. Slides on the LSCP site.",
        "Notifications shared within 24 hours: January 91%, February 94%, March 96%. The three late ones were weekend referrals; the out-of-hours desk (0113 496 0000) now copies the MASH inbox. OFSTED 2018 recommendation 4 revisited.",
        "Template revised and live from 3 February. Sample of 20 assessments in March: 17 recorded every adult in the household, 3 did not record the mother's partner. Team managers reminded at the 21 March briefing; re-audit in June.",
        "Health visitors' record audit (30 families, Leeds LS6 area clinic at LS6 2QT) shows household changes recorded at 26 of 30 contacts. The four misses were agency staff; induction pack updated (version 3.2, 1 April).",
        "Joint visits recorded on the shared system since 6 January. 48 visits in the quarter, 45 with both agencies' notes. The DI and the Head of Service review the three gaps on 2 April; escalation policy section 4.3 applies.",
    ]

    static let names = ["Liam Smith", "Ayesha", "Child M"]

    static func run() async throws {
        if let seconds = ProcessInfo.processInfo.environment["CONCORD_BENCH_SCREEN_LOOP"].flatMap(Double.init) {
            // For a profiler: nothing but screening, for `seconds`.
            let plan = try PlanID("bench")
            let changes = (0..<1000).map { i in
                Change(
                    action: ActionAddress(plan: plan, ref: try! ActionRef("1.\(i % 100 + 1)")), baseRevision: 1,
                    append: [.note(ProgressNote(text: notes[i % notes.count], author: try! AgencyID("police")))])
            }
            let started = ContinuousClock.now
            while (ContinuousClock.now - started).seconds < seconds {
                print("\(HubBench.fmt(screeningTime(changes, screening(plan)))) µs")
            }
            return
        }
        print(
            "Identifier screening's cost (issue 14), release build, \(ProcessInfo.processInfo.activeProcessorCount) cores"
        )
        print("")
        print("| what | operations | whole, µs per op | screening alone, µs per op | screening adds |")
        print("| --- | ---: | ---: | ---: | ---: |")
        try await agentEdits()
        try await hubIngest()
    }

    static func protected(_ plan: PlanID) -> ProtectedNames {
        let digests = names.compactMap { ProtectedNames.digests(of: $0, plan: plan) }
        return ProtectedNames(plan: plan, digests: digests.map(\.name), firstWords: digests.map(\.firstWord))
    }

    static func screening(_ plan: PlanID) -> ScreeningRules { ScreeningRules(screener: protected(plan).screener) }

    /// Microseconds per change to screen `changes` with `rules`, best of five passes.
    static func screeningTime(_ changes: [Change], _ rules: ScreeningRules) -> Double {
        var best = Double.infinity
        for _ in 0..<5 {
            var found = 0
            let started = ContinuousClock.now
            for change in changes { found += rules.screen(change).flagged.count }
            best = min(best, (ContinuousClock.now - started).seconds * 1e6 / Double(changes.count))
            precondition(found > 0)
        }
        return best
    }

    static func row(_ what: String, _ count: Int, whole: Double, screening: Double) {
        let adds = screening / (whole - screening) * 100
        print(
            "| \(what) | \(count) | \(HubBench.fmt(whole)) | \(HubBench.fmt(screening)) | \(HubBench.fmt(adds))% |")
    }

    /// An agent's acknowledged edit (checked, screened, journalled, fsynced), a note each.
    static func agentEdits() async throws {
        let dir = AgentBench.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let police = try AgencyID("police")
        let plan = try PlanID("bench")
        let records = AgentBench.actions(100, owner: police)
        let store = try AgentBench.pulledStore(dir, records)
        let rules = screening(plan)
        try store.recordPlans([
            PlanSummary(
                id: plan, title: "Bench", scheme: "brag", actions: records.count, rag: [:],
                screening: PlanScreening(
                    policy: rules.policy.settings, protectedNames: Array(protected(plan).digests),
                    firstWords: Array(protected(plan).firstWords)))
        ])
        let config = AgentConfig(stateDir: dir.path, hub: "https://127.0.0.1:9", agency: police, tokenFile: nil)
        let agent = Agent(store: store, config: config, logger: AgentBench.logger)
        let count = 2000
        var changes: [Change] = []
        let started = ContinuousClock.now
        for i in 0..<count {
            let note = ProgressNote(text: notes[i % notes.count], author: police)
            let receipt = try await agent.edit(records[i % records.count].address, set: [:], append: [.note(note)])
            changes.append(receipt.change)
        }
        let whole = (ContinuousClock.now - started).seconds * 1e6 / Double(count)
        row("agent: acknowledged edit (a note)", count, whole: whole, screening: screeningTime(changes, rules))
    }

    /// The hub's ingest of notes in batches of 1,000, on a plan with three protected names.
    static func hubIngest() async throws {
        var measured: (whole: Double, changes: [Change])?
        try await withTestHub { hub in
            let admin = hub.admin
            let issued: IssuedToken = try await admin.post(
                "/v1/agencies", AgencyRequest(id: try AgencyID("police"), name: "Police", role: .agency), expect: 201)
            let plan = try PlanID("bench")
            let refs = (0..<1000).map { try! ActionRef("\($0 / 100 + 1).\($0 % 100 + 1)") }
            let csv =
                "ref,action,lead_agency\n" + refs.map { "\($0),Action \($0),police" }.joined(separator: "\n") + "\n"
            let _: PlanImportResponse = try await admin.post(
                "/v1/plans", PlanImportRequest(id: plan, title: "Bench", csv: csv), expect: 201)
            let _: ProtectedNamesResponse = try await admin.post(
                "/v1/plans/bench/protected-names", ProtectedNamesRequest(add: names))
            let police = hub.client(issued.token)
            let count = 20_000
            let changes = (0..<count).map { i in
                Change(
                    action: ActionAddress(plan: plan, ref: refs[i % refs.count]), baseRevision: 1,
                    append: [.note(ProgressNote(text: notes[i % notes.count], author: try! AgencyID("police")))])
            }
            let bodies = try stride(from: 0, to: count, by: 1000).map {
                Array(try ConcordJSON.encode(PushRequest(changes: Array(changes[$0..<$0 + 1000])), pretty: false))
            }
            let started = ContinuousClock.now
            for body in bodies {
                let response = try await police.http.send("POST", "/v1/sync/push", body: body)
                precondition(response.status == 200, "push: \(response.status)")
            }
            measured = ((ContinuousClock.now - started).seconds * 1e6 / Double(count), changes)
        }
        // Screening alone is timed once the hub is closed, so its work does not count twice.
        guard let measured else { return }
        let alone = screeningTime(measured.changes, screening(try PlanID("bench")))
        row("hub: ingest, batches of 1,000 notes", measured.changes.count, whole: measured.whole, screening: alone)
    }
}
