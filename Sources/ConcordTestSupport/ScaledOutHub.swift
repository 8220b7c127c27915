import ConcordClient
import ConcordHTTP
import Foundation

/// A hub scaled out as docs/operations.md describes it: two `concord-hub serve` processes
/// sharing one config and one PostgreSQL database (in the test process's throwaway cluster),
/// and Debian's nginx in front of them with `deploy/nginx/concord-hub.conf`. Everything
/// listens on loopback only; ``stop()`` ends every process.
public final class ScaledOutHub: Sendable {
    /// The hub's data directory (config, TLS files, admin token).
    public let dir: URL
    /// The hub processes, and the port each listens on.
    public let hubs: [(process: ChildProcess, port: Int)]
    /// nginx.
    public let nginx: ChildProcess
    /// The port nginx listens on.
    public let nginxPort: Int
    /// The CA that signed the hub's certificate (nginx presents the same one).
    public let caFile: String
    /// The admin token `concord-hub init` made.
    public let adminToken: String

    private init(
        dir: URL, hubs: [(ChildProcess, Int)], nginx: ChildProcess, nginxPort: Int, caFile: String, adminToken: String
    ) {
        self.dir = dir
        self.hubs = hubs.map { (process: $0.0, port: $0.1) }
        self.nginx = nginx
        self.nginxPort = nginxPort
        self.caFile = caFile
        self.adminToken = adminToken
    }

    /// `https://127.0.0.1:PORT` of nginx: what agents are given.
    public var baseURL: String { "https://127.0.0.1:\(nginxPort)" }

    /// A client of nginx (or of hub process `process`, 0 or 1) with `token`.
    public func client(_ token: String?, process: Int? = nil) -> JSONClient {
        let port = process.map { hubs[$0].port } ?? nginxPort
        var configuration = HTTPClientConfiguration(
            baseURL: "https://127.0.0.1:\(port)", caFile: caFile, bearerToken: token)
        configuration.proxy = ""
        return JSONClient(HTTPClient(configuration))
    }

    /// Starts it all in `dir` (which the caller removes) on a fresh database of `cluster`.
    public static func start(in dir: URL, cluster: PostgresCluster) async throws -> ScaledOutHub {
        let data = dir.appendingPathComponent("hub")
        let database = try await cluster.freshDatabase()
        let initialised = try await ChildProcess.run(
            "concord-hub",
            [
                "init", "--data-dir", data.path, "--host", "127.0.0.1", "--port", "0", "--hostname", "localhost",
                "--database-url", cluster.url(database),
            ])
        guard initialised.status == 0 else { throw ChildError("concord-hub init: \(initialised.output)") }
        var hubs: [(ChildProcess, Int)] = []
        do {
            for n in 0..<2 {
                hubs.append(try await startHub(data: data, dir: dir, number: n))
            }
            let (nginx, port) = try await startNginx(dir: dir, data: data, hubPorts: hubs.map(\.1))
            let token = try String(contentsOf: data.appendingPathComponent("admin.token"), encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            return ScaledOutHub(
                dir: data, hubs: hubs, nginx: nginx, nginxPort: port,
                caFile: data.appendingPathComponent("tls/ca.pem").path, adminToken: token)
        } catch {
            for (process, _) in hubs { await process.stop() }
            throw error
        }
    }

    /// Starts hub process `number` on a port of its own; returns it once it listens.
    public static func startHub(data: URL, dir: URL, number: Int) async throws -> (ChildProcess, Int) {
        let portFile = dir.appendingPathComponent("hub\(number).port")
        try? FileManager.default.removeItem(at: portFile)
        let process = try ChildProcess(
            "concord-hub", ["serve", "--data-dir", data.path, "--port", "0"],
            environment: ["CONCORD_HUB_PORT_FILE": portFile.path],
            logFile: dir.appendingPathComponent("hub\(number).log"))
        do {
            return (process, try await waitForPort(portFile, process: process))
        } catch {
            process.signal(SIGKILL)
            throw error
        }
    }

    /// nginx in the foreground with the deployed site config, its ports and paths put to this test's.
    static func startNginx(dir: URL, data: URL, hubPorts: [Int]) async throws -> (ChildProcess, Int) {
        let prefix = dir.appendingPathComponent("nginx")
        try FileManager.default.createDirectory(at: prefix, withIntermediateDirectories: true)
        let port = try freeLoopbackPort()
        var site = try String(
            contentsOf: repoRoot.appendingPathComponent("deploy/nginx/concord-hub.conf"), encoding: .utf8)
        for (n, hubPort) in hubPorts.enumerated() {
            site = site.replacingOccurrences(of: "server 127.0.0.1:\(8443 + n) ", with: "server 127.0.0.1:\(hubPort) ")
        }
        site = site.replacingOccurrences(of: "listen 443 ssl;", with: "listen 127.0.0.1:\(port) ssl;")
            .replacingOccurrences(of: "listen [::]:443 ssl;", with: "")
            .replacingOccurrences(of: "/etc/concord/hub/", with: data.path + "/")
        let temp = prefix.path
        let main = """
            \(getuid() == 0 ? "user root;" : "")
            worker_processes 1;
            pid \(temp)/nginx.pid;
            error_log \(temp)/error.log warn;
            events { worker_connections 4096; }
            http {
                access_log off;
                client_body_temp_path \(temp)/body;
                proxy_temp_path \(temp)/proxy;
                fastcgi_temp_path \(temp)/fastcgi;
                uwsgi_temp_path \(temp)/uwsgi;
                scgi_temp_path \(temp)/scgi;
                include \(temp)/concord-hub.conf;
            }
            """
        try site.write(to: prefix.appendingPathComponent("concord-hub.conf"), atomically: true, encoding: .utf8)
        try main.write(to: prefix.appendingPathComponent("nginx.conf"), atomically: true, encoding: .utf8)
        let nginx = try ChildProcess(
            "/usr/sbin/nginx", ["-p", temp, "-c", "\(temp)/nginx.conf", "-g", "daemon off;"],
            logFile: prefix.appendingPathComponent("nginx.out"))
        let up = try await eventually(timeout: .seconds(30), every: .milliseconds(20)) {
            guard nginx.isRunning else { return true }
            return canConnect(port: port)
        }
        guard up, nginx.isRunning else {
            nginx.signal(SIGKILL)
            let errors = (try? String(contentsOfFile: "\(temp)/error.log", encoding: .utf8)) ?? ""
            throw ChildError("nginx did not start:\n\(nginx.log)\n\(errors)")
        }
        return (nginx, port)
    }

    /// Stops nginx and every hub process still running.
    public func stop() async {
        await nginx.stop()
        for hub in hubs { await hub.process.stop() }
    }
}

/// A TCP port free on 127.0.0.1 a moment ago (for a program that cannot be told to pick one).
public func freeLoopbackPort() throws -> Int {
    let (fd, port) = try listenOnLoopback(backlog: 1, what: "a free port")
    close(fd)
    return port
}

/// Something accepts TCP connections on 127.0.0.1:`port`.
public func canConnect(port: Int) -> Bool {
    guard let fd = try? connectToLoopback(port: port) else { return false }
    close(fd)
    return true
}
