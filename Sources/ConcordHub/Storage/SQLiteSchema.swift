import Foundation
import GRDB

/// Opens the hub's SQLite database in WAL mode and brings its schema up to date.
///
/// Every write transaction is durable on commit (`synchronous=FULL`), so the hub answers a
/// push only once its results would survive a crash or power loss.
enum SQLiteSchema {
    static func open(path: String) throws -> DatabasePool {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.maximumReaderCount = 8
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // 64 MiB of page cache per connection: the change-id index takes random inserts.
            try db.execute(sql: "PRAGMA cache_size = -65536")
        }
        let pool = try DatabasePool(path: path, configuration: configuration)
        try migrator.migrate(pool)
        return pool
    }

    /// The schema's history. A migration, once released, is never edited: add a new one.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
                    INSERT INTO meta (key, value) VALUES ('seq', 0);

                    CREATE TABLE agencies (
                        id TEXT PRIMARY KEY,
                        name TEXT NOT NULL,
                        role TEXT NOT NULL,
                        created_at INTEGER NOT NULL
                    ) WITHOUT ROWID;

                    CREATE TABLE tokens (
                        id INTEGER PRIMARY KEY,
                        agency_id TEXT NOT NULL REFERENCES agencies(id),
                        hash BLOB NOT NULL UNIQUE,
                        created_at INTEGER NOT NULL,
                        revoked_at INTEGER
                    );

                    CREATE TABLE plans (
                        id TEXT PRIMARY KEY,
                        title TEXT NOT NULL,
                        scheme TEXT NOT NULL,
                        created_at INTEGER NOT NULL
                    ) WITHOUT ROWID;

                    -- Agencies that lead or support any action of a plan: they read all of it.
                    CREATE TABLE plan_partners (
                        plan_id TEXT NOT NULL,
                        agency_id TEXT NOT NULL,
                        PRIMARY KEY (plan_id, agency_id)
                    ) WITHOUT ROWID;
                    CREATE INDEX plan_partners_agency ON plan_partners(agency_id);

                    -- The current record of each action; seq is unique, so pull pages are exact.
                    CREATE TABLE actions (
                        plan_id TEXT NOT NULL,
                        ref TEXT NOT NULL,
                        revision INTEGER NOT NULL,
                        seq INTEGER NOT NULL UNIQUE,
                        record TEXT NOT NULL,
                        PRIMARY KEY (plan_id, ref)
                    ) WITHOUT ROWID;

                    -- The audit trail and the idempotency store: every change ever received.
                    CREATE TABLE changes (
                        seq INTEGER PRIMARY KEY,
                        id TEXT NOT NULL UNIQUE,
                        agency_id TEXT NOT NULL,
                        plan_id TEXT NOT NULL,
                        ref TEXT NOT NULL,
                        received_at INTEGER NOT NULL,
                        outcome TEXT NOT NULL,
                        body TEXT NOT NULL,
                        result TEXT NOT NULL
                    );
                    CREATE INDEX changes_action ON changes(plan_id, ref, seq);

                    CREATE TABLE conflicts (
                        id INTEGER PRIMARY KEY,
                        agency_id TEXT NOT NULL,
                        plan_id TEXT NOT NULL,
                        ref TEXT NOT NULL,
                        status TEXT NOT NULL,
                        seq INTEGER NOT NULL,
                        record TEXT NOT NULL
                    );
                    CREATE INDEX conflicts_agency_seq ON conflicts(agency_id, seq);
                    CREATE INDEX conflicts_status ON conflicts(status, id);
                    """)
        }
        // An agency removed from every action of a plan stops being its partner, and is told
        // (in pulls after `seq`) to drop its copy. Partners kept by v1, which only ever grew,
        // are worked out again from the records; those that lose a plan are told so.
        migrator.registerMigration("v2-plan-removals") { db in
            try db.execute(
                sql: """
                    CREATE TABLE plan_removals (
                        plan_id TEXT NOT NULL,
                        agency_id TEXT NOT NULL,
                        seq INTEGER NOT NULL,
                        PRIMARY KEY (plan_id, agency_id)
                    ) WITHOUT ROWID;
                    CREATE INDEX plan_removals_agency_seq ON plan_removals(agency_id, seq);

                    CREATE TEMP TABLE partners_now (plan_id TEXT NOT NULL, agency_id TEXT NOT NULL,
                        PRIMARY KEY (plan_id, agency_id)) WITHOUT ROWID;
                    INSERT OR IGNORE INTO partners_now
                        SELECT plan_id, json_extract(record, '$.ownerAgency') FROM actions;
                    INSERT OR IGNORE INTO partners_now
                        SELECT a.plan_id, j.value FROM actions a, json_each(a.record, '$.supportingAgencies') j;
                    INSERT INTO plan_removals (plan_id, agency_id, seq)
                        SELECT p.plan_id, p.agency_id, (SELECT value + 1 FROM meta WHERE key = 'seq')
                        FROM plan_partners p
                        WHERE NOT EXISTS (SELECT 1 FROM partners_now n WHERE n.plan_id = p.plan_id AND n.agency_id = p.agency_id);
                    UPDATE meta SET value = value + 1 WHERE key = 'seq' AND EXISTS (SELECT 1 FROM plan_removals);
                    DELETE FROM plan_partners;
                    INSERT INTO plan_partners SELECT plan_id, agency_id FROM partners_now;
                    DROP TABLE partners_now;
                    """)
        }
        // The database's timeline: a random number that changes when the hub finds it was
        // restored from a backup (Hub.init), so agents that pulled from the lost
        // timeline start again instead of skipping what the restored one numbers anew.
        migrator.registerMigration("v3-timeline") { db in
            try db.execute(sql: "INSERT INTO meta (key, value) VALUES ('timeline', abs(random()) % 9007199254740991)")
        }
        // When each agency was last heard from and last pushed successfully (milliseconds;
        // NULL: never), so "which agency has gone quiet?" survives a restart.
        migrator.registerMigration("v4-agency-contact") { db in
            try db.execute(
                sql: """
                    ALTER TABLE agencies ADD COLUMN last_seen_at INTEGER;
                    ALTER TABLE agencies ADD COLUMN last_push_at INTEGER;
                    """)
        }
        // Committee meetings: named points in time a report compares with ("since we last met");
        // and a plan's trail in sequence order without a sort, for the report's replay.
        migrator.registerMigration("v5-meetings") { db in
            try db.execute(
                sql: """
                    CREATE TABLE meetings (
                        id TEXT PRIMARY KEY,
                        date INTEGER NOT NULL,
                        title TEXT NOT NULL,
                        created_at INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    CREATE INDEX changes_plan_seq ON changes(plan_id, seq);
                    """)
        }
        // Each plan's protected names (issue 14), as digests only: the names themselves are
        // never stored (ProtectedNames).
        migrator.registerMigration("v6-protected-names") { db in
            try db.execute(
                sql: """
                    CREATE TABLE protected_names (
                        plan_id TEXT NOT NULL,
                        digest TEXT NOT NULL,
                        first_word TEXT NOT NULL,
                        added_at INTEGER NOT NULL,
                        PRIMARY KEY (plan_id, digest)
                    ) WITHOUT ROWID;
                    """)
        }
        return migrator
    }
}
