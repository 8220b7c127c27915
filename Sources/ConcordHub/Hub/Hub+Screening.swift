import ConcordCore
import ConcordScreening
import ConcordWire
import Foundation

/// Identifier screening at the hub (issue 14): the policy and protected names a push is
/// screened with, the admin's protected-name list, and what is already stored.
extension Hub {
    /// The rules a plan's changes are screened with: the partnership's policy and the plan's
    /// protected names (their digests).
    func screeningRules(for plan: PlanID, digests: some Collection<ProtectedDigest>) -> ScreeningRules {
        var screener = Self.protectedNames(plan, digests).screener
        screener.year = clock().date.year
        return ScreeningRules(policy: screeningPolicy, screener: screener)
    }

    static func protectedNames(_ plan: PlanID, _ digests: some Collection<ProtectedDigest>) -> ProtectedNames {
        ProtectedNames(plan: plan, digests: digests.map(\.name), firstWords: digests.map(\.firstWord))
    }

    /// What agents are sent to screen a plan's edits with.
    func planScreening(_ plan: PlanID, _ digests: some Collection<ProtectedDigest>) -> PlanScreening {
        PlanScreening(
            policy: screeningPolicy.settings, protectedNames: digests.map(\.name).sorted(),
            firstWords: Set(digests.map(\.firstWord)).sorted())
    }

    /// Adds and removes a plan's protected names (admins only); the names are hashed here and
    /// never stored, logged or answered.
    public func changeProtectedNames(
        of plan: PlanID, _ request: ProtectedNamesRequest, by principal: Principal
    ) async throws -> ProtectedNamesResponse {
        guard principal.role == .admin else {
            throw HubError(.forbidden, "only the partnership business unit (admin) manages a plan's protected names")
        }
        // A plan not created yet may have names: protect them before its first import, so
        // that the import is screened for them too.
        guard request.add.count + request.remove.count <= 1000 else {
            throw HubError(.payloadTooLarge, "at most 1000 names at a time")
        }
        func digests(_ names: [String]) throws -> [ProtectedDigest] {
            try names.enumerated().map { i, name in
                guard name.count <= 200, let digest = ProtectedNames.digests(of: name, plan: plan) else {
                    throw HubError(
                        .unprocessable,
                        "name \(i + 1) has no word, or more than \(Screener.maxNameWords): give a name of one to three words"
                    )
                }
                return ProtectedDigest(name: digest.name, firstWord: digest.firstWord)
            }
        }
        let (add, remove) = (try digests(request.add), try digests(request.remove).map(\.name))
        let added = add.isEmpty ? 0 : try await storage.addProtectedNames(add, to: plan, at: clock())
        let removed = remove.isEmpty ? 0 : try await storage.removeProtectedNames(remove, from: plan)
        let count = try await storage.protectedNames(of: plan)[plan]?.count ?? 0
        logger.notice(
            "protected names changed",
            metadata: ["plan": "\(plan)", "added": "\(added)", "removed": "\(removed)", "by": "\(principal.agency)"])
        return ProtectedNamesResponse(plan: plan, count: count, added: added, removed: removed)
    }

    /// How many names a plan protects (admins only).
    public func protectedNameCount(of plan: PlanID, by principal: Principal) async throws -> ProtectedNamesResponse {
        guard principal.role == .admin else {
            throw HubError(.forbidden, "only the partnership business unit (admin) manages a plan's protected names")
        }
        return ProtectedNamesResponse(plan: plan, count: try await storage.protectedNames(of: plan)[plan]?.count ?? 0)
    }

    /// Every identifying detail in what the hub stores for `plan` (or every plan): the
    /// current records and every change of their history, under the policy as it is now
    /// (admins and viewers; `off` kinds are not looked for).
    public func screen(plan: PlanID?, for principal: Principal) async throws -> ScreeningReport {
        guard principal.role != .agency else {
            throw HubError(.forbidden, "only the business unit (admin) and viewers screen what the hub stores")
        }
        let plans: [PlanID]
        if let plan {
            guard try await storage.partners(of: plan) != nil else {
                throw HubError(.notFound, "plan \(plan) not found")
            }
            plans = [plan]
        } else {
            plans = try await storage.planList().map(\.id)
        }
        let names = try await storage.protectedNames(of: plan)
        var findings: [StoredFinding] = []
        for id in plans {
            guard let stored = try await storage.plan(id) else { continue }
            let rules = screeningRules(for: id, digests: names[id] ?? [])
            func found(_ texts: [(field: String, text: String)]) -> [(Finding, ScreeningAction)] {
                texts.flatMap { rules.screener.findings(in: $0.text, field: $0.field) }
                    .map { ($0, rules.policy.action(for: $0.kind)) }.filter { $0.1 != .off }
            }
            for action in stored.actions.sorted(by: { $0.ref < $1.ref }) {
                for (finding, policy) in found(Screener.texts(of: action)) {
                    findings.append(
                        StoredFinding(action: action.address, place: .record, finding: finding, policy: policy))
                }
                for entry in try await storage.history(of: action.address) {
                    for (finding, policy) in found(Screener.texts(of: entry.change)) {
                        findings.append(
                            StoredFinding(
                                action: action.address, place: .history, seq: entry.seq, finding: finding,
                                policy: policy))
                    }
                }
            }
        }
        return ScreeningReport(plans: plans, findings: findings)
    }
}
