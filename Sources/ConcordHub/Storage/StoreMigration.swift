import Crypto
import Foundation
import GRDB
import Logging
import NIOCore
import PostgresNIO

/// `concord-hub migrate`: copies a SQLite hub into an empty PostgreSQL database — agencies,
/// hashed tokens, plans and partners, records, the whole audit trail, conflicts, meetings,
/// protected-name digests,
/// the sequence number and the timeline — in one PostgreSQL transaction, read from one
/// SQLite snapshot; then verifies the copy: every table's row count and a SHA-256 of its rows
/// in key order, read back from both databases, must be equal.
public enum StoreMigration {
    /// A column's kind, as both stores hold it.
    enum Kind { case text, int, optionalInt, blob }

    /// A table: its columns and kinds, and the key its rows are read in.
    struct Table {
        let name: String
        let columns: [(name: String, kind: Kind)]
        let key: String
    }

    /// Every table of the hub's schema (both stores have the same).
    static let tables: [Table] = [
        Table(name: "meta", columns: [("key", .text), ("value", .int)], key: "key"),
        Table(
            name: "agencies",
            columns: [
                ("id", .text), ("name", .text), ("role", .text), ("created_at", .int), ("last_seen_at", .optionalInt),
                ("last_push_at", .optionalInt),
            ], key: "id"),
        Table(
            name: "tokens",
            columns: [
                ("id", .int), ("agency_id", .text), ("hash", .blob), ("created_at", .int), ("revoked_at", .optionalInt),
            ], key: "id"),
        Table(
            name: "plans", columns: [("id", .text), ("title", .text), ("scheme", .text), ("created_at", .int)],
            key: "id"),
        Table(name: "plan_partners", columns: [("plan_id", .text), ("agency_id", .text)], key: "plan_id, agency_id"),
        Table(
            name: "plan_removals", columns: [("plan_id", .text), ("agency_id", .text), ("seq", .int)],
            key: "plan_id, agency_id"),
        Table(
            name: "actions",
            columns: [("plan_id", .text), ("ref", .text), ("revision", .int), ("seq", .int), ("record", .text)],
            key: "plan_id, ref"),
        Table(
            name: "changes",
            columns: [
                ("seq", .int), ("id", .text), ("agency_id", .text), ("plan_id", .text), ("ref", .text),
                ("received_at", .int), ("outcome", .text), ("body", .text), ("result", .text),
            ], key: "seq"),
        Table(
            name: "conflicts",
            columns: [
                ("id", .int), ("agency_id", .text), ("plan_id", .text), ("ref", .text), ("status", .text),
                ("seq", .int), ("record", .text),
            ], key: "id"),
        Table(
            name: "meetings", columns: [("id", .text), ("date", .int), ("title", .text), ("created_at", .int)],
            key: "id"),
        Table(
            name: "protected_names",
            columns: [("plan_id", .text), ("digest", .text), ("first_word", .text), ("added_at", .int)],
            key: "plan_id, digest"),
    ]

    /// One value of a row, as either store gave it.
    enum Value: Equatable {
        case text(String), int(Int64), null, blob([UInt8])
    }

    /// Rows are copied and compared this many at a time.
    static let pageSize = 2000

    /// What was copied: each table's rows and digest, on both sides.
    public struct Report: Sendable {
        /// Per table: its name, rows in the source and in the copy, and whether their digests are equal.
        public var tables: [(name: String, source: Int, copy: Int, equal: Bool)]
        /// The sequence number copied.
        public var sequence: Int64
        /// Every table is equal on both sides.
        public var verified: Bool { tables.allSatisfy { $0.equal && $0.source == $0.copy } }
    }

    /// Copies the SQLite hub at `sqlitePath` into the empty PostgreSQL database at `target`,
    /// then verifies the copy (``verify(from:to:logger:)``).
    public static func run(from sqlitePath: String, to target: PostgresLocation, logger: Logger) async throws -> Report
    {
        try await withStores(sqlitePath, target, logger: logger) { snapshot, store in
            try await copy(snapshot, into: store)
            return try await compare(snapshot, store)
        }
    }

    /// Compares the SQLite hub at `sqlitePath` with the PostgreSQL one at `target`, table by table.
    public static func verify(
        from sqlitePath: String, to target: PostgresLocation, logger: Logger
    ) async throws
        -> Report
    {
        try await withStores(sqlitePath, target, logger: logger) { snapshot, store in
            try await compare(snapshot, store)
        }
    }

    /// Opens both stores (the SQLite one as one snapshot), runs `body`, closes them.
    static func withStores(
        _ sqlitePath: String, _ target: PostgresLocation, logger: Logger,
        _ body: (DatabaseSnapshot, PostgresStorage) async throws -> Report
    ) async throws -> Report {
        guard FileManager.default.fileExists(atPath: sqlitePath) else {
            throw ConfigError("\(sqlitePath) does not exist: give the hub's SQLite file (sqlite:PATH)")
        }
        let source = try SQLiteSchema.open(path: sqlitePath)
        defer { try? source.close() }
        let snapshot = try source.makeSnapshot()
        let store = try await PostgresStorage.open(target, logger: logger)
        defer { try? store.close() }
        return try await body(snapshot, store)
    }

    /// Each table's rows and digest on both sides.
    static func compare(_ snapshot: DatabaseSnapshot, _ store: PostgresStorage) async throws -> Report {
        var report = Report(tables: [], sequence: 0)
        for table in tables {
            let (sourceRows, sourceDigest) = try await digest(table) { offset in
                try await snapshot.read { db in try sqliteRows(db, table, offset: offset) }
            }
            let (copyRows, copyDigest) = try await digest(table) { offset in
                try await postgresRows(store, table, offset: offset)
            }
            report.tables.append((table.name, sourceRows, copyRows, sourceDigest == copyDigest))
        }
        report.sequence = try await snapshot.read { try SQLiteStorage.sequence($0) }
        return report
    }

    /// Copies every table in one PostgreSQL transaction; refuses a database that holds a hub already.
    static func copy(_ snapshot: DatabaseSnapshot, into target: PostgresStorage) async throws {
        let logger = target.logger
        do {
            try await copyTables(snapshot, into: target, logger: logger)
        } catch let error as PostgresTransactionError {
            // The reason, not the wrapping: "already holds a hub", or the statement that failed.
            throw error.closureError ?? error
        }
    }

    static func copyTables(_ snapshot: DatabaseSnapshot, into target: PostgresStorage, logger: Logger) async throws {
        try await target.client.withTransaction(logger: logger) { connection in
            // A hub process started on this database by mistake waits until the copy is done.
            try await connection.query("LOCK TABLE meta IN ACCESS EXCLUSIVE MODE", logger: logger)
            let used =
                try await connection.query(
                    "SELECT (SELECT COUNT(*) FROM agencies) + (SELECT COUNT(*) FROM changes)", logger: logger
                ).collect().first?.decode(Int64.self) ?? 0
            guard used == 0 else {
                throw ConfigError("the PostgreSQL database already holds a hub: migrate into an empty database")
            }
            try await connection.query("DELETE FROM meta", logger: logger)
            for table in tables {
                var offset = 0
                while true {
                    let from = offset
                    let rows = try await snapshot.read { db in try sqliteRows(db, table, offset: from) }
                    if rows.isEmpty { break }
                    try await connection.query(insert(table, rows), logger: logger)
                    offset += rows.count
                }
            }
            try await connection.query(
                "SELECT setval(pg_get_serial_sequence('tokens', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM tokens",
                logger: logger)
        }
    }

    /// A page of a table's rows from SQLite, in key order.
    static func sqliteRows(_ db: Database, _ table: Table, offset: Int) throws -> [[Value]] {
        let names = table.columns.map(\.name).joined(separator: ", ")
        return try Row.fetchAll(
            db, sql: "SELECT \(names) FROM \(table.name) ORDER BY \(table.key) LIMIT ? OFFSET ?",
            arguments: [pageSize, offset]
        ).map { row in
            table.columns.indices.map { i in
                switch row[i] as DatabaseValue {
                case let value where value.isNull: .null
                case let value:
                    switch value.storage {
                    case .int64(let n): .int(n)
                    case .string(let s): .text(s)
                    case .blob(let data): .blob(Array(data))
                    case .double(let d): .int(Int64(d))
                    case .null: .null
                    }
                }
            }
        }
    }

    /// A page of a table's rows from PostgreSQL, in key order.
    static func postgresRows(_ store: PostgresStorage, _ table: Table, offset: Int) async throws -> [[Value]] {
        let names = table.columns.map(\.name).joined(separator: ", ")
        let rows = try await store.client.query(
            PostgresQuery(
                unsafeSQL:
                    "SELECT \(names) FROM \(table.name) ORDER BY \(table.key) LIMIT \(pageSize) OFFSET \(offset)"),
            logger: store.logger
        ).collect()
        return try rows.map { row in
            let cells = Array(row)
            return try table.columns.indices.map { i -> Value in
                let cell = cells[i]
                switch table.columns[i].kind {
                case .text: return .text(try cell.decode(String.self))
                case .int: return .int(try cell.decode(Int64.self))
                case .optionalInt: return try cell.decode(Int64?.self).map(Value.int) ?? .null
                case .blob: return .blob(Array(buffer: try cell.decode(ByteBuffer.self)))
                }
            }
        }
    }

    /// One statement inserting `rows`: a typed array per column, unnested.
    static func insert(_ table: Table, _ rows: [[Value]]) -> PostgresQuery {
        var binds = PostgresBindings()
        var selects: [String] = []
        for (i, column) in table.columns.enumerated() {
            let values = rows.map { $0[i] }
            switch column.kind {
            case .text:
                binds.append(values.map { if case .text(let s) = $0 { s } else { "" } })
                selects.append("$\(i + 1)::text[]")
            case .int, .optionalInt:
                // NULL travels as Int64.min (no stored time or number is that).
                binds.append(values.map { if case .int(let n) = $0 { n } else { Int64.min } })
                selects.append("$\(i + 1)::int8[]")
            case .blob:
                binds.append(values.map { if case .blob(let b) = $0 { ByteBuffer(bytes: b) } else { ByteBuffer() } })
                selects.append("$\(i + 1)::bytea[]")
            }
        }
        let names = table.columns.map(\.name)
        let outputs = table.columns.enumerated().map { i, column in
            column.kind == .optionalInt ? "NULLIF(c\(i), \(Int64.min))" : "c\(i)"
        }
        let aliases = table.columns.indices.map { "c\($0)" }.joined(separator: ", ")
        return PostgresQuery(
            unsafeSQL: """
                INSERT INTO \(table.name) (\(names.joined(separator: ", ")))
                SELECT \(outputs.joined(separator: ", ")) FROM unnest(\(selects.joined(separator: ", "))) AS t(\(aliases))
                """, binds: binds)
    }

    /// A table's row count and SHA-256 of its rows in key order, read a page at a time.
    static func digest(_ table: Table, reading page: (Int) async throws -> [[Value]]) async throws -> (Int, [UInt8]) {
        var hash = SHA256()
        var count = 0
        while true {
            let rows = try await page(count)
            if rows.isEmpty { break }
            for row in rows {
                for value in row { feed(value, into: &hash) }
            }
            count += rows.count
        }
        return (count, Array(hash.finalize()))
    }

    /// A value's kind, length and bytes, so that no two rows share a digest by accident.
    static func feed(_ value: Value, into hash: inout SHA256) {
        func bytes(_ tag: UInt8, _ data: [UInt8]) {
            var header = [tag]
            withUnsafeBytes(of: UInt64(data.count).bigEndian) { header.append(contentsOf: $0) }
            hash.update(data: header)
            hash.update(data: data)
        }
        switch value {
        case .null: bytes(0, [])
        case .int(let n): withUnsafeBytes(of: n.bigEndian) { bytes(1, Array($0)) }
        case .text(let s): bytes(2, Array(s.utf8))
        case .blob(let b): bytes(3, b)
        }
    }
}
