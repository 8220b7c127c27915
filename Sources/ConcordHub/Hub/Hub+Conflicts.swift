import ConcordCodec
import ConcordCore
import ConcordWire
import Foundation

extension Hub {
    /// Conflicts the principal may see (an agency: its own; admins and viewers: all),
    /// newest first, optionally only open or only resolved ones.
    public func conflicts(
        for principal: Principal, status: ConflictRecord.Status? = nil
    ) async throws
        -> [ConflictRecord]
    {
        try await storage.conflicts(visibility: Visibility(principal), status: status)
    }

    /// One conflict, if the principal may see it.
    public func conflict(_ id: Int64, for principal: Principal) async throws -> ConflictRecord {
        guard let record = try await storage.conflict(id) else { throw HubError(.notFound, "conflict \(id) not found") }
        try await requireListed(record, for: principal)
        return record
    }

    /// Refuses a principal the conflict list would not show the conflict to.
    func requireListed(_ record: ConflictRecord, for principal: Principal) async throws {
        let visibility = Visibility(principal)
        if !visibility.allPlans && record.agency != principal.agency {
            throw HubError(
                .forbidden,
                "conflict \(record.id) belongs to agency \(record.agency); agencies see their own conflicts")
        }
        let partners = try await storage.partners(of: record.action.plan) ?? []
        guard visibility.lists(conflictBy: record.agency, planPartners: partners) else {
            throw HubError(
                .forbidden,
                "agency \(principal.agency) is not a partner in plan \(record.action.plan): it leads or supports none of its actions"
            )
        }
    }

    /// A value typed as text (as the CLI sends `--value` and `--replaces`) in the field's own
    /// kind: a list of agencies split on `;` or `,`, a flag from true/false or yes/no.
    static func coerced(_ value: FieldValue, for field: Field) -> FieldValue {
        guard case .text(let text) = value else { return value }
        switch field.kind {
        case .agencyList:
            return .list(
                text.split(whereSeparator: { $0 == ";" || $0 == "," }).map { $0.trimmingCharacters(in: .whitespaces) }
                    .filter { !$0.isEmpty })
        case .flag:
            switch text.lowercased() {
            case "true", "yes": return .flag(true)
            case "false", "no": return .flag(false)
            default: return value
            }
        default:
            return value
        }
    }

    /// A value as a message quotes it: short, and safe to print.
    static func quoted(_ value: FieldValue) -> String {
        switch value {
        case .null: "(not set)"
        case .text(let s): FieldRules.shown(s)
        case .flag(let b): b ? "true" : "false"
        case .list(let l): FieldRules.shown(l.joined(separator: ";"))
        }
    }

    /// The number of conflicts waiting for an admin, read at most every `maxAge` (for
    /// `/metrics`, which anyone may scrape as often as they like).
    public func openConflictCount(maxAge: Duration = .seconds(5)) async throws -> Int {
        if let cached = openConflicts.withLock({ $0 }), ContinuousClock.now - cached.at < maxAge { return cached.count }
        let count = try await storage.openConflictCount()
        openConflicts.withLock { $0 = (count, .now) }
        return count
    }

    /// Settles a conflict (admins only). The resolution is a change like any other: it is
    /// applied with the merge rules, audited, and reaches every agency through pull; the
    /// conflict's agency also gets the settled conflict as news.
    // Long: the checks, the resolving change and the conflict's update are one transaction, read in order.
    public func resolve(
        _ id: Int64, _ request: ResolveRequest, by principal: Principal
    ) async throws
        -> ResolveResponse
    {
        guard principal.role == .admin else {
            throw HubError(.forbidden, "only the partnership business unit (admin) resolves conflicts")
        }
        guard !request.rationale.allSatisfy(\.isWhitespace) else {
            throw HubError(.unprocessable, "a resolution needs a rationale: say why, for the audit trail")
        }
        if request.choice == .newValue, request.value == nil {
            throw HubError(.unprocessable, "choice 'value' needs a value")
        }
        let time = clock()
        let response = try await write { tx -> ResolveResponse in
            guard var record = try tx.conflict(id) else { throw HubError(.notFound, "conflict \(id) not found") }
            guard record.status == .open else {
                throw HubError(.conflict, "conflict \(id) is already resolved")
            }
            guard let current = try tx.record(record.action) else {
                throw HubError(.notFound, "action \(record.action) no longer exists")
            }
            // The resolution replaces the value the conflict recorded (or the one the admin
            // names), never a later edit it has not seen; keeping the hub's value keeps what
            // the field holds now.
            let now = current.value(of: record.field)
            let replaces = request.replaces.map { Self.coerced($0, for: record.field) }
            let (from, target): (FieldValue, FieldValue) =
                switch request.choice {
                case .keepHub: (now, now)
                case .takeAgency: (replaces ?? record.hub, record.incoming)
                case .newValue: (replaces ?? record.hub, Self.coerced(request.value ?? .null, for: record.field))
                }
            let change = Change(
                action: record.action, baseRevision: current.revision,
                fields: [record.field: FieldChange(from: from, to: target)], reason: request.rationale)
            var batch = try PushBatch(tx, hub: self, principal: principal, now: time)
            let result = try batch.apply(change)
            guard result.outcome != .rejected else {
                throw HubError(.unprocessable, "the resolution breaks a rule: \(result.reason ?? "")")
            }
            guard result.outcome != .conflict else {
                throw HubError(
                    .conflict,
                    "\(record.field) of \(record.action) changed after conflict \(id) was recorded: it was '\(Self.quoted(from))' and is now '\(Self.quoted(now))'; nothing was changed. Keep the new value with keep-hub, or resolve again naming it in replaces (concordctl hub resolve \(id) ... --replaces VALUE)"
                )
            }
            try batch.finish()
            record.status = .resolved
            record.resolution = ConflictResolution(
                choice: request.choice, value: record.field.normalize(target), rationale: request.rationale,
                by: principal.agency, at: time, changeId: change.id)
            try tx.update(record, json: String(decoding: record.json, as: UTF8.self), seq: result.seq)
            return ResolveResponse(conflict: record, result: result)
        }
        await committed(response.result.seq)
        logger.info(
            "conflict resolved",
            metadata: [
                "conflict": "\(id)", "choice": "\(request.choice.rawValue)", "change": "\(response.result.id)",
                "by": "\(principal.agency)",
            ])
        return response
    }
}
