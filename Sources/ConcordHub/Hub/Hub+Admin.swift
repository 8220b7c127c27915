import ConcordCore
import ConcordWire
import Foundation
import GRDB

extension HubStore {
    // MARK: Agencies and tokens

    /// Adds an agency and issues its first token, shown this once.
    public func addAgency(_ request: AgencyRequest) async throws -> IssuedToken {
        try Self.checkName(request.name, what: "an agency's name", max: 200)
        let now = clock()
        let token = Tokens.generate()
        let info = try await write { db -> AgencyInfo in
            if try Row.fetchOne(db, sql: "SELECT 1 FROM agencies WHERE id = ?", arguments: [request.id.rawValue]) != nil
            {
                throw HubError(
                    .conflict, "agency \(request.id) already exists; to give it a new token, rotate its token instead")
            }
            try db.execute(
                sql: "INSERT INTO agencies (id, name, role, created_at) VALUES (?, ?, ?, ?)",
                arguments: [request.id.rawValue, request.name, request.role.rawValue, now.millisecondsSinceEpoch])
            try Self.insertToken(db, token: token, agency: request.id, now: now)
            return AgencyInfo(id: request.id, name: request.name, role: request.role, activeTokens: 1, createdAt: now)
        }
        logger.notice("agency added", metadata: ["agency": "\(request.id)", "role": "\(request.role)"])
        return IssuedToken(agency: info, token: token)
    }

    /// Issues another token for an agency (to rotate: issue, hand out, then revoke the old ones).
    public func issueToken(for agency: AgencyID, revokingOthers: Bool = false) async throws -> IssuedToken {
        let now = clock()
        let token = Tokens.generate()
        try await write { db in
            _ = try Self.loadAgency(db, agency)
            if revokingOthers {
                try db.execute(
                    sql: "UPDATE tokens SET revoked_at = ? WHERE agency_id = ? AND revoked_at IS NULL",
                    arguments: [now.millisecondsSinceEpoch, agency.rawValue])
            }
            try Self.insertToken(db, token: token, agency: agency, now: now)
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
        let count = try await write { db in
            _ = try Self.loadAgency(db, agency)
            try db.execute(
                sql: "UPDATE tokens SET revoked_at = ? WHERE agency_id = ? AND revoked_at IS NULL",
                arguments: [now.millisecondsSinceEpoch, agency.rawValue])
            return db.changesCount
        }
        tokens.forgetAll()
        // Streams held with a revoked token end at once, not at their next heartbeat.
        await feed.interrupt()
        logger.notice("tokens revoked", metadata: ["agency": "\(agency)", "count": "\(count)"])
        return count
    }

    public func agencies() async throws -> [AgencyInfo] {
        try await pool.read { db in
            try String.fetchAll(db, sql: "SELECT id FROM agencies ORDER BY id").map {
                try Self.loadAgency(db, try AgencyID($0))
            }
        }
    }

    public func agencyInfo(_ id: AgencyID) async throws -> AgencyInfo {
        try await pool.read { db in try Self.loadAgency(db, id) }
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
        let principal = try await pool.read { db -> Principal? in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT a.id, a.role FROM tokens t JOIN agencies a ON a.id = t.agency_id
                        WHERE t.hash = ? AND t.revoked_at IS NULL
                        """, arguments: [hash])
            else { return nil }
            guard let id = try? AgencyID(row["id"] as String), let role = Role(rawValue: row["role"]) else {
                return nil
            }
            return Principal(agency: id, role: role)
        }
        if let principal { tokens.remember(hash, principal) }
        return principal
    }

    static func insertToken(_ db: Database, token: String, agency: AgencyID, now: Timestamp) throws {
        try db.execute(
            sql: "INSERT INTO tokens (agency_id, hash, created_at) VALUES (?, ?, ?)",
            arguments: [agency.rawValue, Tokens.hash(token), now.millisecondsSinceEpoch])
    }

    static func loadAgency(_ db: Database, _ id: AgencyID) throws -> AgencyInfo {
        guard
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT name, role, created_at,
                        (SELECT COUNT(*) FROM tokens WHERE agency_id = a.id AND revoked_at IS NULL) AS active
                    FROM agencies a WHERE id = ?
                    """, arguments: [id.rawValue])
        else { throw HubError(.notFound, "agency \(id) not found; add it first") }
        return AgencyInfo(
            id: id, name: row["name"], role: Role(rawValue: row["role"]) ?? .viewer, activeTokens: row["active"],
            createdAt: Timestamp(millisecondsSinceEpoch: row["created_at"]))
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
    public func importPlan(_ request: PlanImportRequest, by principal: Principal) async throws -> PlanImportResponse {
        guard principal.role == .admin else {
            throw HubError(.forbidden, "only the partnership business unit (admin) creates and imports plans")
        }
        try Self.checkName(request.title, what: "a plan's title", max: 500)
        let schemeID = request.scheme ?? defaultScheme.id
        guard let scheme = scheme(schemeID) else {
            throw HubError(
                .unprocessable,
                "scheme '\(schemeID)' is not configured on this hub (known: \(schemes.keys.sorted().joined(separator: ", ")))"
            )
        }
        let known = Set(try await agencies().map(\.id))
        let imported: PlanCSV.Imported
        do {
            imported = try PlanCSV.importPlan(
                request.csv ?? "", id: request.id, title: request.title, scheme: scheme, knownAgencies: known)
        } catch {
            if (request.csv ?? "").isEmpty {
                imported = PlanCSV.Imported(
                    plan: Plan(id: request.id, title: request.title, scheme: schemeID), flags: [])
            } else {
                throw HubError(.unprocessable, "the CSV has problems; nothing was imported:\n\(error.description)")
            }
        }
        let now = clock()
        let results = try await write { db -> ([ChangeResult], Int64) in
            if let row = try Row.fetchOne(
                db, sql: "SELECT scheme FROM plans WHERE id = ?", arguments: [request.id.rawValue])
            {
                guard row["scheme"] as String == schemeID else {
                    throw HubError(
                        .conflict, "plan \(request.id) already exists with scheme \(row["scheme"] as String)")
                }
            } else {
                try db.execute(
                    sql: "INSERT INTO plans (id, title, scheme, created_at) VALUES (?, ?, ?, ?)",
                    arguments: [request.id.rawValue, request.title, schemeID, now.millisecondsSinceEpoch])
            }
            var batch = try PushBatch(db: db, store: self, principal: principal, now: now)
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
