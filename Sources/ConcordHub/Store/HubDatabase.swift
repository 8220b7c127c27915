import Foundation
import GRDB

/// Opens the hub's SQLite database in WAL mode and brings its schema up to date.
///
/// Every write transaction is durable on commit (`synchronous=FULL`), so the hub answers a
/// push only once its results would survive a crash or power loss.
enum HubDatabase {
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
        return migrator
    }
}
