import ConcordHub
import Foundation
import Synchronization

/// A throwaway PostgreSQL cluster for a test: `initdb` into a temporary directory, the
/// server listening only on a Unix socket inside it (no TCP port at all; `fsync` off, as
/// nothing in it outlives the test), stopped and removed at the end. Debian's PostgreSQL 15
/// (`scripts/deps.txt`); as root, the server runs as the `postgres` user, which owns the
/// directory.
public final class PostgresCluster: Sendable {
    /// The cluster's directory; its Unix socket is in it too.
    public let dir: URL
    /// The port number in the socket's name (`.s.PGSQL.5432`); nothing listens on TCP.
    public let port = 5432
    /// The superuser `initdb` made (trust authentication, on the private socket only).
    public let user = "concord"

    static let bin = "/usr/lib/postgresql/15/bin"

    /// The server, in the foreground (not daemonised by `pg_ctl`: its daemon would inherit
    /// and hold open the descriptors by which the test runner sees a child exit).
    private let server = Mutex<ChildProcess?>(nil)

    private init(dir: URL) { self.dir = dir }

    /// `postgres://concord@/DB?host=DIR`: a URL for the database `name` over the socket.
    public func url(_ name: String) -> String { "postgres://\(user)@/\(name)?host=\(dir.path)" }

    /// Makes, starts and answers a new cluster; throws with the server's log if it does not
    /// start. `durable`: every commit flushed to disk as in production (benchmarks); by
    /// default `fsync` is off, as nothing in a test's cluster outlives it.
    public static func start(durable: Bool = false) async throws -> PostgresCluster {
        guard FileManager.default.isExecutableFile(atPath: "\(bin)/initdb") else {
            throw ChildError("\(bin)/initdb is missing: install Debian's postgresql (scripts/install-deps)")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("concord-pg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: false)
        let cluster = PostgresCluster(dir: dir)
        do {
            if getuid() == 0 {
                let (status, output) = try await ChildProcess.run("/usr/bin/chown", ["postgres:postgres", dir.path])
                guard status == 0 else { throw ChildError("chown \(dir.path): \(output)") }
            }
            let data = dir.appendingPathComponent("data").path
            try await cluster.run("initdb", ["-D", data, "-A", "trust", "-U", cluster.user, "--no-sync"])
            let (name, arguments) = cluster.command(
                "postgres",
                [
                    "-D", data, "-p", "\(cluster.port)", "-k", dir.path, "-c", "listen_addresses=", "-c",
                    "max_connections=200",
                ]
                    + (durable ? [] : ["-c", "fsync=off"]))
            let process = try ChildProcess(name, arguments, logFile: dir.appendingPathComponent("server.log"))
            cluster.server.withLock { $0 = process }
            _ = try await eventually(timeout: .seconds(60), every: .milliseconds(50)) {
                guard process.isRunning else { return true }
                return (try? await cluster.run("pg_isready", ["-q", "-h", dir.path, "-p", "\(cluster.port)"])) != nil
            }
            guard process.isRunning, (try? await cluster.run("pg_isready", ["-q", "-h", dir.path])) != nil else {
                throw ChildError("postgres did not start:\n\(process.log)")
            }
        } catch {
            await cluster.stop()
            throw error
        }
        return cluster
    }

    /// The server's process id, from its `postmaster.pid` (the `postgres` under `runuser`).
    var postmasterPID: Int32? {
        let file = dir.appendingPathComponent("data/postmaster.pid")
        return (try? String(contentsOf: file, encoding: .utf8))?.split(separator: "\n").first.flatMap { Int32($0) }
    }

    /// Creates a database.
    public func createDatabase(_ name: String) async throws {
        try await run("createdb", ["-h", dir.path, "-p", "\(port)", "-U", user, name])
    }

    /// Runs SQL with psql and returns its unaligned, tuples-only output.
    public func psql(_ sql: String, database: String = "postgres") async throws -> String {
        try await run("psql", ["-h", dir.path, "-p", "\(port)", "-U", user, "-d", database, "-At", "-c", sql])
    }

    /// Stops the server (fast shutdown: open sessions are ended) and removes the directory.
    public func stop() async {
        if let process = server.withLock({ $0 }) {
            if let pid = postmasterPID { kill(pid, SIGINT) }
            if await process.waitForExit(timeout: .seconds(30)) == nil { await process.stop() }
        }
        try? FileManager.default.removeItem(at: dir)
    }

    /// The command line that runs `program` in the cluster's directory (the test's own may be
    /// closed to `postgres`, whose programs then complain on stderr), as `postgres` when we are root.
    func command(_ program: String, _ arguments: [String]) -> (String, [String]) {
        let inDir = ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", dir.path, "\(Self.bin)/\(program)"] + arguments
        return getuid() == 0
            ? ("/usr/sbin/runuser", ["-u", "postgres", "--"] + inDir) : (inDir[0], Array(inDir.dropFirst()))
    }

    /// Runs one of PostgreSQL's programs to its end, its output to a file; throws with the
    /// output on failure.
    @discardableResult
    func run(_ program: String, _ arguments: [String]) async throws -> String {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("concord-pg-\(UUID().uuidString).out")
        defer { try? FileManager.default.removeItem(at: log) }
        let (name, args) = command(program, arguments)
        let process = try ChildProcess(name, args, logFile: log)
        guard let status = await process.waitForExit(timeout: .seconds(120)) else {
            process.signal(SIGKILL)
            throw ChildError("\(program) did not finish in 120 s")
        }
        let output = process.log
        guard status == 0 else { throw ChildError("\(program) \(arguments.joined(separator: " ")): \(output)") }
        return output
    }
}

/// Runs `body` with a fresh PostgreSQL cluster, stopped and removed afterwards whatever happens.
public func withPostgres<T>(_ body: (PostgresCluster) async throws -> T) async throws -> T {
    let cluster = try await PostgresCluster.start()
    do {
        let value = try await body(cluster)
        await cluster.stop()
        return value
    } catch {
        await cluster.stop()
        throw error
    }
}

extension PostgresCluster {
    private static let sharedCluster = Mutex<Task<PostgresCluster, any Error>?>(nil)
    private static let sharedServer = Mutex<(pid: Int32, dir: URL)?>(nil)

    /// One cluster for the whole test process: started at first use, stopped (fast shutdown)
    /// and removed when the process exits. Each test takes a database of its own in it
    /// (``freshDatabase()``), which costs a tenth of a cluster's start.
    public static func shared() async throws -> PostgresCluster {
        let task = sharedCluster.withLock { task in
            if let task { return task }
            let started = Task { () throws -> PostgresCluster in
                let cluster = try await PostgresCluster.start()
                if let pid = cluster.postmasterPID {
                    sharedServer.withLock { $0 = (pid, cluster.dir) }
                    atexit { PostgresCluster.stopSharedAtExit() }
                }
                return cluster
            }
            task = started
            return started
        }
        return try await task.value
    }

    /// At exit: a fast shutdown of the shared cluster's server, waited for, and its directory removed.
    private static func stopSharedAtExit() {
        guard let (pid, dir) = sharedServer.withLock({ $0 }) else { return }
        kill(pid, SIGINT)
        for _ in 0..<300 where kill(pid, 0) == 0 { usleep(20_000) }
        try? FileManager.default.removeItem(at: dir)
    }

    /// A new, empty database in this cluster; its name.
    public func freshDatabase() async throws -> String {
        let name = "concord_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        try await createDatabase(String(name))
        return String(name)
    }

    /// Drops a database, ending its sessions.
    public func dropDatabase(_ name: String) async throws {
        try await psql("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    }
}

/// The hub stores the hub tests run against: each hub test runs once on each.
public enum TestStore: String, CaseIterable, Sendable, CustomStringConvertible {
    /// One SQLite file in the hub's data directory, the embedded default.
    case sqlite
    /// A database of its own in the test process's throwaway PostgreSQL cluster.
    case postgres

    /// Its name.
    public var description: String { rawValue }
}

/// Where a test's hub keeps its state on `store`: a SQLite file in `dir`, or a fresh
/// database of the test process's PostgreSQL cluster (dropped after `body`).
public func withDatabase<T>(
    _ store: TestStore, in dir: URL, _ body: (DatabaseLocation) async throws -> T
) async throws -> T {
    switch store {
    case .sqlite:
        return try await body(.sqlite(path: dir.appendingPathComponent("hub.sqlite").path))
    case .postgres:
        let cluster = try await PostgresCluster.shared()
        let name = try await cluster.freshDatabase()
        let location = try DatabaseLocation(url: cluster.url(name), dataDir: dir.path)
        do {
            let value = try await body(location)
            try await cluster.dropDatabase(name)
            return value
        } catch {
            try? await cluster.dropDatabase(name)
            throw error
        }
    }
}
