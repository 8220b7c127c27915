import ConcordCore
import Foundation
import Testing

/// A seeded, randomized test of the whole protocol at the core level: an in-memory hub that
/// merges with `merge(_:into:context:)`, and simulated agencies that edit offline, push in
/// batches (sometimes losing the answer and resending), and pull in random order.
///
/// Seeds: `CONCORD_CONVERGENCE_SEEDS` (default 20); edits per seed:
/// `CONCORD_CONVERGENCE_EDITS` (default 1,000).
@Suite("Convergence of replicas")
struct ConvergenceTests {
    static let seeds: [UInt64] = {
        let n = ProcessInfo.processInfo.environment["CONCORD_CONVERGENCE_SEEDS"].flatMap(Int.init) ?? 20
        return (0..<UInt64(max(n, 1))).map { $0 &* 0x9E37_79B9 &+ 17 }
    }()
    static let editsPerSeed = ProcessInfo.processInfo.environment["CONCORD_CONVERGENCE_EDITS"].flatMap(Int.init) ?? 1000

    @Test(arguments: seeds)
    func randomOfflineEditsAndSyncs_allReplicasEqualHubAndEveryEditIsAccountedFor(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        var hub = SimHub()
        let roles: [(String, Role)] = [
            ("lscp", .admin), ("csc", .agency), ("police", .agency), ("icb", .agency), ("education", .agency),
            ("probation", .agency), ("scrutiny", .viewer),
        ]
        var agents = roles.map { SimAgent(id: Fixture.agency($0.0), role: $0.1) }
        hub.agencies = Dictionary(uniqueKeysWithValues: roles.map { (Fixture.agency($0.0), $0.1) })

        // The business unit imports the plan before anyone starts.
        let plan = try PlanCSV.importPlan(
            Fixture.sample("plan-child-m.csv"), id: PlanID("child-m"), title: "Child M", knownAgencies: Fixture.known
        ).plan
        for action in plan.actions {
            let fields = Field.allCases.map { ($0, FieldChange(from: .null, to: action.value(of: $0))) }
            let change = Change(
                action: action.address, baseRevision: 0, create: true,
                fields: Dictionary(uniqueKeysWithValues: fields))
            #expect(hub.push(change, by: agents[0].id).outcome == .applied)
        }
        for i in agents.indices { agents[i].pull(from: hub) }

        var made = 0
        while made < Self.editsPerSeed {
            let i = Int.random(in: 0..<agents.count, using: &rng)
            switch Int.random(in: 0..<10, using: &rng) {
            case 0..<6:
                if agents[i].edit(using: &rng, plan: plan.id) { made += 1 }
            case 6..<8:
                agents[i].push(to: &hub, using: &rng)
            default:
                agents[i].pull(from: hub)
            }
        }
        // Everyone comes online: push everything, then pull.
        for i in agents.indices {
            while !agents[i].pending.isEmpty { agents[i].push(to: &hub, using: &rng, loseAnswers: false) }
        }
        for i in agents.indices { agents[i].pull(from: hub) }

        for agent in agents {
            #expect(agent.pending.isEmpty)
            #expect(agent.pulled == hub.actions, "agent \(agent.id) differs from the hub")
            for address in hub.actions.keys { #expect(agent.view(address) == hub.actions[address]) }
        }
        // Every edit has one result at the hub, and its agency holds that same result.
        let ledgers = agents.flatMap { $0.ledger }
        #expect(ledgers.count == made)
        #expect(hub.results.count == made + plan.actions.count)
        for (id, outcome) in ledgers { #expect(hub.results[id]?.outcome == outcome) }
        for (id, result) in hub.results {
            switch result.outcome {
            case .conflict: #expect(hub.conflicts[id]?.isEmpty == false, "conflict \(id) has no record")
            case .rejected: #expect(!result.violations.isEmpty)
            case .applied, .merged: #expect(result.violations.isEmpty)
            }
        }
        // Nothing taken vanishes: every added item is in the final record, and every field
        // holds the value of the last change that took it.
        var lastValue: [ActionAddress: [Field: FieldValue]] = [:]
        for (change, result) in hub.log where result.outcome != .rejected {
            let record = hub.actions[change.action]!
            for id in result.added {
                #expect(record.evidence.contains { $0.id == id } || record.notes.contains { $0.id == id })
            }
            for field in result.applied {
                lastValue[change.action, default: [:]][field] = field.normalize(change.set[field.rawValue]!.to)
            }
        }
        for (address, fields) in lastValue {
            for (field, value) in fields { #expect(hub.actions[address]!.value(of: field) == value) }
        }
        // The run exercised every outcome.
        let outcomes = Set(hub.results.values.map(\.outcome))
        #expect(outcomes == Set(Outcome.allCases), "outcomes seen: \(outcomes)")
    }
}

/// The hub, in memory: records, stored results by change id, a change sequence, conflicts.
struct SimHub {
    var agencies: [AgencyID: Role] = [:]
    var actions: [ActionAddress: Action] = [:]
    var sequenceOf: [ActionAddress: Int64] = [:]
    var sequence: Int64 = 0
    var results: [UUID: MergeResult] = [:]
    var conflicts: [UUID: [FieldConflict]] = [:]
    var log: [(Change, MergeResult)] = []
    var clock: Int64 = 1_795_000_000_000

    mutating func push(_ change: Change, by agency: AgencyID) -> MergeResult {
        if let stored = results[change.id] { return stored }
        clock += 1
        let context = MergeContext(
            actor: agency, role: agencies[agency] ?? .admin, now: Timestamp(millisecondsSinceEpoch: clock),
            knownAgencies: Fixture.known)
        var result = merge(change, into: actions[change.action], context: context)
        if result.changed, let record = result.record {
            actions[change.action] = record
            sequence += 1
            sequenceOf[change.action] = sequence
        }
        if !result.conflicts.isEmpty { conflicts[change.id] = result.conflicts }
        result.record = nil  // a stored result keeps the outcome, not the record
        results[change.id] = result
        log.append((change, result))
        return result
    }

    func pull(since cursor: Int64) -> ([Action], Int64) {
        let changed = sequenceOf.filter { $0.value > cursor }.keys.map { actions[$0]! }
        return (changed, sequence)
    }
}

/// An agency's replica: last pulled records, pending changes laid on top, a pull cursor.
struct SimAgent {
    let id: AgencyID
    let role: Role
    var pulled: [ActionAddress: Action] = [:]
    var pending: [Change] = []
    var cursor: Int64 = 0
    var ledger: [UUID: Outcome] = [:]
    var nextRef = 100

    init(id: AgencyID, role: Role) {
        self.id = id
        self.role = role
    }

    func view(_ address: ActionAddress) -> Action? {
        pending.filter { $0.action == address }.reduce(pulled[address]) { Action.overlay($1, on: $0, author: id) }
    }

    mutating func pull(from hub: SimHub) {
        let (records, next) = hub.pull(since: cursor)
        for record in records { pulled[record.address] = record }
        cursor = next
    }

    /// Pushes a batch from the front of the queue; sometimes the answer is lost on the way
    /// back, so the changes stay pending and are sent again later.
    mutating func push(to hub: inout SimHub, using rng: inout SplitMix64, loseAnswers: Bool = true) {
        guard !pending.isEmpty else { return }
        let batch = Array(pending.prefix(Int.random(in: 1...min(pending.count, 8), using: &rng)))
        let results = batch.map { hub.push($0, by: id) }
        if loseAnswers && Int.random(in: 0..<5, using: &rng) == 0 { return }
        for (change, result) in zip(batch, results) { ledger[change.id] = result.outcome }
        pending.removeFirst(batch.count)
    }

    /// Makes one random edit on the local view, as a person at the agency would. Returns
    /// whether an edit was made.
    mutating func edit(using rng: inout SplitMix64, plan: PlanID) -> Bool {
        let known = Set(pulled.keys).union(pending.map(\.action)).sorted()
        if role == .admin, Int.random(in: 0..<20, using: &rng) == 0 {
            nextRef += 1
            let address = ActionAddress(plan: plan, ref: try! ActionRef("9.\(nextRef)"))
            pending.append(
                Change(
                    action: address, baseRevision: 0, create: true,
                    fields: [
                        .title: FieldChange(from: .null, to: .text("New action \(nextRef)")),
                        .ownerAgency: FieldChange(
                            from: .null, to: .text(["csc", "police", "icb"].randomElement(using: &rng)!)),
                    ]))
            return true
        }
        guard let address = known.randomElement(using: &rng), let current = view(address) else { return false }
        var fields: [Field: FieldChange] = [:]
        var append: [Append] = []
        var reason: String?
        func set(_ field: Field, _ value: FieldValue) {
            fields[field] = FieldChange(from: current.value(of: field), to: value)
        }
        switch Int.random(in: 0..<10, using: &rng) {
        case 0, 1:
            set(.progress, .text(["On track", "Delayed", "Audit booked", "Complete"].randomElement(using: &rng)!))
        case 2:
            set(.rag, .text(["red", "amber", "green", "blue"].randomElement(using: &rng)!))
        case 3:
            let date = LocalDate(daysSinceEpoch: 20_500 + Int.random(in: 0..<60, using: &rng))
            set(.targetDate, .text(date.description))
            if Int.random(in: 0..<4, using: &rng) != 0 { reason = "Moved by the subgroup" }
        case 4:
            append.append(.evidence(EvidenceItem(kind: .output, summary: "Audit report", author: id)))
            if Int.random(in: 0..<2, using: &rng) == 0 { set(.rag, .text("green")) }
        case 5:
            append.append(.note(ProgressNote(text: "Discussed at subgroup", author: id)))
        case 6:
            let live = current.evidence.filter(\.isLive) + []
            guard let item = live.randomElement(using: &rng) else { return false }
            append.append(.retract(RetractItem(item: item.id, reason: "Superseded")))
        case 7:
            set(
                .leadOfficer,
                .text(["Head of Service", "Designated Nurse", "Detective Inspector"].randomElement(using: &rng)!))
        case 8:
            if role == .admin {
                set(.signOff, Bool.random(using: &rng) ? .text("Partnership Board") : .null)
            } else {
                set(.completedOn, .text(LocalDate(daysSinceEpoch: 20_600).description))
            }
        default:
            if role == .admin {
                set(
                    .supportingAgencies, .list(["police", "csc", "education"].filter { _ in Bool.random(using: &rng) }))
            } else {
                set(.successMeasure, .text("Audit of 20 cases"))
            }
        }
        pending.append(
            Change(action: address, baseRevision: current.revision, fields: fields, append: append, reason: reason))
        return true
    }
}

/// A small, fast, seedable generator (Steele, Lea and Flood's SplitMix64).
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
