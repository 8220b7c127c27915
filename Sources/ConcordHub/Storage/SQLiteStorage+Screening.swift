import ConcordCore
import GRDB

extension SQLiteStorage {
    /// The protected-name digests of `plan`, or of every plan when `nil`.
    public func protectedNames(of plan: PlanID?) async throws -> [PlanID: Set<ProtectedDigest>] {
        let rows = try await pool.read { db in
            if let plan {
                return try Row.fetchAll(
                    db, sql: "SELECT plan_id, digest, first_word FROM protected_names WHERE plan_id = ?",
                    arguments: [plan.rawValue])
            }
            return try Row.fetchAll(db, sql: "SELECT plan_id, digest, first_word FROM protected_names")
        }
        var found: [PlanID: Set<ProtectedDigest>] = [:]
        for row in rows {
            guard let plan = try? PlanID(row["plan_id"] as String) else { continue }
            found[plan, default: []].insert(ProtectedDigest(name: row["digest"], firstWord: row["first_word"]))
        }
        return found
    }

    /// Adds digests to a plan's protected names; returns how many were new.
    public func addProtectedNames(
        _ digests: [ProtectedDigest], to plan: PlanID, at time: Timestamp
    ) async throws
        -> Int
    {
        try await pool.write { db in
            var added = 0
            for digest in digests {
                try db.execute(
                    sql:
                        "INSERT OR IGNORE INTO protected_names (plan_id, digest, first_word, added_at) VALUES (?, ?, ?, ?)",
                    arguments: [plan.rawValue, digest.name, digest.firstWord, time.millisecondsSinceEpoch])
                added += db.changesCount
            }
            return added
        }
    }

    /// Removes digests from a plan's protected names; returns how many there were.
    public func removeProtectedNames(_ digests: [String], from plan: PlanID) async throws -> Int {
        try await pool.write { db in
            var removed = 0
            for digest in digests {
                try db.execute(
                    sql: "DELETE FROM protected_names WHERE plan_id = ? AND digest = ?",
                    arguments: [plan.rawValue, digest])
                removed += db.changesCount
            }
            return removed
        }
    }
}

extension SQLiteStorage {
    /// Rebuilds the file (`VACUUM`: free pages and the slack of rewritten rows held old
    /// text) and empties the write-ahead log (`wal_checkpoint(TRUNCATE)`), so no copy of a
    /// redacted text is left in the database's files. `false` when a reader kept the log.
    public func scrub() async throws -> Bool {
        try await pool.writeWithoutTransaction { db in
            try db.execute(sql: "VACUUM")
            let row = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            return (row?[0] as Int64?) == 0
        }
    }
}
