import ConcordCore
import ConcordWire
import Foundation

extension Hub {
    // MARK: Agencies and tokens

    /// Adds an agency and issues its first token, shown this once.
    public func addAgency(_ request: AgencyRequest) async throws -> IssuedToken {
        try Self.checkName(request.name, what: "an agency's name", max: 200)
        let now = clock()
        let token = Tokens.generate()
        let info = try await write { tx -> AgencyInfo in
            guard try tx.insertAgency(request, at: now) else {
                throw HubError(
                    .conflict, "agency \(request.id) already exists; to give it a new token, rotate its token instead")
            }
            try tx.insertToken(hash: Tokens.hash(token), agency: request.id, at: now)
            return AgencyInfo(id: request.id, name: request.name, role: request.role, activeTokens: 1, createdAt: now)
        }
        logger.notice("agency added", metadata: ["agency": "\(request.id)", "role": "\(request.role)"])
        return IssuedToken(agency: info, token: token)
    }

    /// Issues another token for an agency (to rotate: issue, hand out, then revoke the old ones).
    public func issueToken(for agency: AgencyID, revokingOthers: Bool = false) async throws -> IssuedToken {
        let now = clock()
        let token = Tokens.generate()
        try await write { tx in
            try Self.requireAgency(tx, agency)
            if revokingOthers { _ = try tx.revokeTokens(of: agency, at: now) }
            try tx.insertToken(hash: Tokens.hash(token), agency: agency, at: now)
        }
        tokens.forgetAll()
        if revokingOthers { await feed.interrupt() }
        logger.notice("token issued", metadata: ["agency": "\(agency)", "revokedOthers": "\(revokingOthers)"])
        return IssuedToken(agency: try await agencyInfo(agency), token: token)
    }

    /// Revokes every active token of an agency; returns how many.
    @discardableResult
    public func revokeTokens(of agency: AgencyID) async throws -> Int {
        let now = clock()
        let count = try await write { tx in
            try Self.requireAgency(tx, agency)
            return try tx.revokeTokens(of: agency, at: now)
        }
        tokens.forgetAll()
        // Streams held with a revoked token end at once, not at their next heartbeat.
        await feed.interrupt()
        logger.notice("tokens revoked", metadata: ["agency": "\(agency)", "count": "\(count)"])
        return count
    }

    /// Every agency, with when it was last heard from (what is stored, or later in memory).
    public func agencies() async throws -> [AgencyInfo] {
        let noted = contacts.noted
        return try await storage.agencies().map { Self.withContact($0, noted[$0.id]) }
    }

    /// One agency, with when it was last heard from; throws not found when there is no such agency.
    public func agencyInfo(_ id: AgencyID) async throws -> AgencyInfo {
        guard let info = try await storage.agency(id) else { throw Self.noSuchAgency(id) }
        return Self.withContact(info, contacts.noted[id])
    }

    static func withContact(_ info: AgencyInfo, _ noted: AgencyContact?) -> AgencyInfo {
        guard let noted else { return info }
        let contact = AgencyContact(lastSeen: info.lastContact, lastPush: info.lastPush).merged(with: noted)
        var info = info
        info.lastContact = contact.lastSeen
        info.lastPush = contact.lastPush
        return info
    }

    static func noSuchAgency(_ id: AgencyID) -> HubError { HubError(.notFound, "agency \(id) not found; add it first") }

    static func requireAgency(_ tx: any StorageTransaction, _ id: AgencyID) throws {
        guard try tx.agencyExists(id) else { throw noSuchAgency(id) }
    }

    /// The principal a bearer token stands for, or `nil` for an unknown or revoked token.
    ///
    /// Answers are remembered for a few seconds (``TokenCache``): every long-poll
    /// re-authenticates, and fifty agencies re-poll after every change. Revoking through the
    /// hub forgets them at once; a revocation made on the database by the command line
    /// while the hub runs takes effect within ``TokenCache/lifetime``.
    public func authenticate(token: String) async throws -> Principal? {
        let hash = Tokens.hash(token)
        if let known = tokens.lookup(hash) { return known }
        let principal = try await storage.principal(tokenHash: hash)
        if let principal { tokens.remember(hash, principal) }
        return principal
    }

    /// Names and titles: 1 to `max` characters, not blank, no control characters.
    static func checkName(_ text: String, what: String, max: Int) throws {
        guard !text.allSatisfy(\.isWhitespace), text.count <= max else {
            throw HubError(.unprocessable, "\(what) must be 1-\(max) characters and not blank")
        }
        guard !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw HubError(.unprocessable, "\(what) must not contain control characters (tabs, line breaks, NUL)")
        }
    }

    // MARK: Plans

    /// Creates a plan (admins only) and imports its actions from CSV, each as a create change
    /// in the audit trail. Importing the same file again changes nothing; a row that differs
    /// from an existing action is rejected (refs are never reused).
    // Long: checks, the CSV read and screened, then one transaction creating the plan and its actions.
    public func importPlan(_ request: PlanImportRequest, by principal: Principal) async throws -> PlanImportResponse {
        guard principal.role == .admin else {
            throw HubError(.forbidden, "only the partnership business unit (admin) creates and imports plans")
        }
        try Self.checkName(request.title, what: "a plan's title", max: 500)
        guard request.id.rawValue != "all" else {
            throw HubError(.unprocessable, "'all' names every plan in a report; give the plan another id")
        }
        let schemeID = request.scheme ?? defaultScheme.id
        guard let scheme = scheme(schemeID) else {
            throw HubError(
                .unprocessable,
                "scheme '\(schemeID)' is not configured on this hub (known: \(schemes.keys.sorted().joined(separator: ", ")))"
            )
        }
        let known = Set(try await agencies().map(\.id))
        let screening = screeningRules(
            for: request.id, digests: try await storage.protectedNames(of: request.id)[request.id] ?? [])
        let imported: PlanCSV.Imported
        do {
            imported = try PlanCSV.importPlan(
                request.csv ?? "", id: request.id, title: request.title, scheme: scheme, knownAgencies: known,
                screening: screening)
        } catch {
            if (request.csv ?? "").isEmpty {
                imported = PlanCSV.Imported(
                    plan: Plan(id: request.id, title: request.title, scheme: schemeID), flags: [])
            } else {
                throw HubError(.unprocessable, "the CSV has problems; nothing was imported:\n\(error.description)")
            }
        }
        let now = clock()
        let results = try await write { tx -> ([ChangeResult], Int64) in
            if let existing = try tx.scheme(of: request.id) {
                guard existing == schemeID else {
                    throw HubError(.conflict, "plan \(request.id) already exists with scheme \(existing)")
                }
            } else {
                try tx.insertPlan(request.id, title: request.title, scheme: schemeID, at: now)
            }
            var batch = try PushBatch(tx, hub: self, principal: principal, now: now)
            let results = try imported.plan.actions.map { action in
                let fields = Field.allCases.compactMap { field -> (Field, FieldChange)? in
                    let value = action.value(of: field)
                    return value == field.emptyValue ? nil : (field, FieldChange(from: .null, to: value))
                }
                return try batch.apply(
                    Change(
                        action: action.address, baseRevision: 0, create: true,
                        fields: Dictionary(uniqueKeysWithValues: fields)))
            }
            try batch.finish()
            return (results, batch.seq)
        }
        await committed(results.1)
        logger.notice(
            "plan imported",
            metadata: ["plan": "\(request.id)", "actions": "\(results.0.count)", "by": "\(principal.agency)"])
        let plan = try await plan(request.id, for: principal)
        return PlanImportResponse(plan: PlanSummary(plan: plan), results: results.0, flags: imported.flags)
    }
}
