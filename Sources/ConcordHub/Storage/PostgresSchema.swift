import Logging
import PostgresNIO

/// The hub's PostgreSQL schema and its history: the same tables as SQLite's (``SQLiteSchema``),
/// JSON kept as `text` so pulls splice it byte for byte, times as milliseconds, and every
/// identifier with the "C" collation, so that lists sort as they do on SQLite.
///
/// Several hub processes may start at once: migrations run in one transaction under an
/// advisory lock, so one process migrates and the others find it done.
enum PostgresSchema {
    /// A migration: its id and its statements. Once released, never edited: add a new one.
    struct Migration {
        let id: String
        let statements: [String]
    }

    static let migrations: [Migration] = [
        Migration(
            id: "v1",
            statements: [
                "CREATE TABLE meta (key text COLLATE \"C\" PRIMARY KEY, value bigint NOT NULL)",
                "INSERT INTO meta (key, value) VALUES ('seq', 0), ('timeline', floor(random() * 9007199254740991)::bigint + 1)",
                """
                CREATE TABLE agencies (id text COLLATE "C" PRIMARY KEY, name text NOT NULL, role text NOT NULL,
                    created_at bigint NOT NULL, last_seen_at bigint, last_push_at bigint)
                """,
                """
                CREATE TABLE tokens (id bigserial PRIMARY KEY, agency_id text COLLATE "C" NOT NULL REFERENCES agencies(id),
                    hash bytea NOT NULL UNIQUE, created_at bigint NOT NULL, revoked_at bigint)
                """,
                """
                CREATE TABLE plans (id text COLLATE "C" PRIMARY KEY, title text NOT NULL, scheme text NOT NULL,
                    created_at bigint NOT NULL)
                """,
                """
                CREATE TABLE plan_partners (plan_id text COLLATE "C" NOT NULL, agency_id text COLLATE "C" NOT NULL,
                    PRIMARY KEY (plan_id, agency_id))
                """,
                "CREATE INDEX plan_partners_agency ON plan_partners (agency_id)",
                """
                CREATE TABLE plan_removals (plan_id text COLLATE "C" NOT NULL, agency_id text COLLATE "C" NOT NULL,
                    seq bigint NOT NULL, PRIMARY KEY (plan_id, agency_id))
                """,
                "CREATE INDEX plan_removals_agency_seq ON plan_removals (agency_id, seq)",
                """
                CREATE TABLE actions (plan_id text COLLATE "C" NOT NULL, ref text COLLATE "C" NOT NULL,
                    revision bigint NOT NULL, seq bigint NOT NULL UNIQUE, record text NOT NULL,
                    PRIMARY KEY (plan_id, ref))
                """,
                """
                CREATE TABLE changes (seq bigint PRIMARY KEY, id text COLLATE "C" NOT NULL UNIQUE,
                    agency_id text COLLATE "C" NOT NULL, plan_id text COLLATE "C" NOT NULL, ref text COLLATE "C" NOT NULL,
                    received_at bigint NOT NULL, outcome text NOT NULL, body text NOT NULL, result text NOT NULL)
                """,
                "CREATE INDEX changes_action ON changes (plan_id, ref, seq)",
                """
                CREATE TABLE conflicts (id bigint PRIMARY KEY, agency_id text COLLATE "C" NOT NULL,
                    plan_id text COLLATE "C" NOT NULL, ref text COLLATE "C" NOT NULL, status text NOT NULL,
                    seq bigint NOT NULL, record text NOT NULL)
                """,
                "CREATE INDEX conflicts_agency_seq ON conflicts (agency_id, seq)",
                "CREATE INDEX conflicts_status ON conflicts (status, id)",
                """
                CREATE TABLE meetings (id text COLLATE "C" PRIMARY KEY, date bigint NOT NULL, title text NOT NULL,
                    created_at bigint NOT NULL)
                """,
            ]),
        // Each plan's protected names (issue 14), as digests only.
        Migration(
            id: "v2-protected-names",
            statements: [
                """
                CREATE TABLE protected_names (plan_id text COLLATE "C" NOT NULL, digest text COLLATE "C" NOT NULL,
                    first_word text COLLATE "C" NOT NULL, added_at bigint NOT NULL, PRIMARY KEY (plan_id, digest))
                """
            ]),
    ]

    /// Brings the database's schema up to date; returns the ids of the migrations it ran.
    @discardableResult
    static func migrate(_ client: PostgresClient, logger: Logger) async throws -> [String] {
        try await client.withTransaction(logger: logger) { connection in
            // One process at a time; the others wait here and then find nothing to do.
            try await connection.query("SELECT pg_advisory_xact_lock(7301195821)", logger: logger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS concord_migrations (id text COLLATE "C" PRIMARY KEY,
                    applied_at timestamptz NOT NULL DEFAULT now())
                """, logger: logger)
            var done: Set<String> = []
            for try await id in try await connection.query("SELECT id FROM concord_migrations", logger: logger)
                .decode(String.self)
            {
                done.insert(id)
            }
            var ran: [String] = []
            for migration in migrations where !done.contains(migration.id) {
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query(
                    "INSERT INTO concord_migrations (id) VALUES (\(migration.id))", logger: logger)
                ran.append(migration.id)
            }
            return ran
        }
    }
}
