import ConcordCore
import PostgresNIO

extension PostgresStorage {
    /// The protected-name digests of `plan`, or of every plan when `nil`.
    public func protectedNames(of plan: PlanID?) async throws -> [PlanID: Set<ProtectedDigest>] {
        let rows =
            if let plan {
                try await all(
                    (String, String, String).self,
                    "SELECT plan_id, digest, first_word FROM protected_names WHERE plan_id = \(plan.rawValue)")
            } else {
                try await all((String, String, String).self, "SELECT plan_id, digest, first_word FROM protected_names")
            }
        var found: [PlanID: Set<ProtectedDigest>] = [:]
        for (id, digest, first) in rows {
            guard let plan = try? PlanID(id) else { continue }
            found[plan, default: []].insert(ProtectedDigest(name: digest, firstWord: first))
        }
        return found
    }

    /// Adds digests to a plan's protected names; returns how many were new.
    public func addProtectedNames(
        _ digests: [ProtectedDigest], to plan: PlanID, at time: Timestamp
    ) async throws
        -> Int
    {
        try await changed(
            """
            INSERT INTO protected_names (plan_id, digest, first_word, added_at)
            SELECT \(plan.rawValue), d, f, \(time.millisecondsSinceEpoch)
            FROM unnest(\(digests.map(\.name))::text[], \(digests.map(\.firstWord))::text[]) AS t(d, f)
            ON CONFLICT DO NOTHING
            """)
    }

    /// Removes digests from a plan's protected names; returns how many there were.
    public func removeProtectedNames(_ digests: [String], from plan: PlanID) async throws -> Int {
        try await changed(
            "DELETE FROM protected_names WHERE plan_id = \(plan.rawValue) AND digest = ANY(\(digests)::text[])")
    }
}

extension PostgresStorage {
    /// Rewrites the tables that hold text into new files (`VACUUM FULL`), so the old row
    /// versions a redaction left are gone from the table files. It locks them while it runs
    /// (a redaction is rare). PostgreSQL's write-ahead log and any backups keep the old
    /// versions until they are recycled or expire (docs/operations.md).
    public func scrub() async throws -> Bool {
        let logger = logger
        return try await client.withConnection { connection in
            // It waits for the exclusive lock at most this long, so a long transaction elsewhere
            // (a report's read) does not hold every process's requests up behind it: `false`
            // then, and the redaction's answer says so.
            try await connection.query("SET lock_timeout = '5s'", logger: logger)
            var done = false
            do {
                try await connection.query("VACUUM FULL actions, changes, conflicts", logger: logger)
                done = true
            } catch {
                logger.warning(
                    "VACUUM FULL after a redaction did not finish",
                    metadata: ["error": "\(String(reflecting: error).prefix(200))"])
            }
            _ = try? await connection.query("RESET lock_timeout", logger: logger)
            return done
        }
    }
}
