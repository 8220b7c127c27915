import ConcordCodec
import ConcordCore
import ConcordHTTP
import ConcordTestSupport
import Foundation
import GRDB
import Testing

@testable import ConcordHub

#if canImport(Glibc)
    import Glibc
#endif

/// The real binary under a stand-in for systemd's notify socket: READY=1 once serving,
/// WATCHDOG=1 pings, STOPPING=1 and a clean exit on SIGTERM.
@Suite("Hub lifecycle", .serialized)
struct LifecycleTests {
    @Test func underSystemd_notifiesReadyAndWatchdog_andStopsCleanlyOnSIGTERM() async throws {
        try await withTemporaryDirectory { dir in
            let data = dir.appendingPathComponent("hub")
            let initialised = try await ChildProcess.run(
                "concord-hub", ["init", "--data-dir", data.path, "--host", "127.0.0.1", "--port", "0"])
            #expect(initialised.status == 0, "\(initialised.output)")
            let socketPath = dir.appendingPathComponent("notify.sock").path
            let socket = try DatagramSocket(path: socketPath)
            let portFile = dir.appendingPathComponent("port")
            let hub = try ChildProcess(
                "concord-hub", ["serve", "--config", data.appendingPathComponent("hub.json").path],
                environment: [
                    "NOTIFY_SOCKET": socketPath, "WATCHDOG_USEC": "400000", "CONCORD_HUB_PORT_FILE": portFile.path,
                ], logFile: dir.appendingPathComponent("hub.log"))
            defer { hub.signal(SIGKILL) }

            let ready = try await socket.receive(timeout: .seconds(60))
            #expect(ready.hasPrefix("READY=1"), "\(ready)")
            #expect(ready.contains("STATUS=serving on port"))
            let port = try await waitForPort(portFile, process: hub)
            #expect(ready.contains("\(port)"))
            var pings = 0
            for _ in 0..<3 where try await socket.receive(timeout: .seconds(5)) == "WATCHDOG=1" { pings += 1 }
            #expect(pings == 3)

            hub.signal(SIGTERM)
            // Watchdog pings may still be queued ahead of it.
            var stopping = false
            let deadline = ContinuousClock.now + .seconds(15)
            while !stopping && ContinuousClock.now < deadline {
                guard let message = try? await socket.receive(timeout: .seconds(1)) else { continue }
                stopping = message.hasPrefix("STOPPING=1")
            }
            #expect(stopping)
            let status = await hub.waitForExit(timeout: .seconds(15))
            #expect(status == 0, "\(hub.log)")
            #expect(hub.log.contains("database closed"))
        }
    }

    @Test func dataDirectory_isPrivate_andTheDatabaseIsInWALModeWithAVersionedSchema() async throws {
        try await withTemporaryDirectory { dir in
            let data = dir.appendingPathComponent("hub")
            let result = try await ChildProcess.run("concord-hub", ["init", "--data-dir", data.path, "--port", "0"])
            #expect(result.status == 0, "\(result.output)")
            #expect(result.output.contains("cch_"), "init prints the admin token once")
            func mode(_ path: String) throws -> Int {
                (try FileManager.default.attributesOfItem(atPath: data.appendingPathComponent(path).path)[
                    .posixPermissions] as? Int) ?? -1
            }
            #expect(try mode("") == 0o700)
            for file in ["hub.sqlite", "admin.token", "hub.json", "tls/server-key.pem", "tls/ca-key.pem"] {
                #expect(try mode(file) == 0o600, "\(file)")
            }
            let db = try DatabaseQueue(path: data.appendingPathComponent("hub.sqlite").path)
            let journal = try await db.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
            #expect(journal == "wal")
            let migrations = try await db.read {
                try String.fetchAll($0, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier")
            }
            #expect(migrations == HubFormatTests.versions)
            // A second init on the same directory refuses, and says why.
            let again = try await ChildProcess.run("concord-hub", ["init", "--data-dir", data.path])
            #expect(again.status == 1)
            #expect(again.output.contains("already exists"))
        }
    }

    @Test func shippedExampleConfig_parsesWithItsComments() throws {
        let config = try HubConfig.load(
            file: repoRoot.appendingPathComponent("config/hub.example.json").path, environment: [:])
        #expect(config.port == 8443 && config.dataDir == "/var/lib/concord-hub")
        #expect(config.limits.maxBatch == 10_000)
    }

    @Test func badConfig_failsWithOneClearLine() async throws {
        try await withTemporaryDirectory { dir in
            let file = dir.appendingPathComponent("hub.json")
            try #"{"formatVersion": 1, "port": 99999, "tls": {"certificate": "a", "privateKey": "b"}}"#.write(
                to: file, atomically: true, encoding: .utf8)
            let result = try await ChildProcess.run("concord-hub", ["check-config", "--config", file.path])
            #expect(result.status == 1)
            #expect(result.output.contains("port 99999 is outside 0-65535"))
            try #"{"formatVersion": 1, "tls": {"certificate": "missing.pem", "privateKey": "b"}}"#.write(
                to: file, atomically: true, encoding: .utf8)
            let missing = try await ChildProcess.run("concord-hub", ["check-config", "--config", file.path])
            #expect(missing.status == 1)
            #expect(missing.output.contains("cannot read TLS certificate"))
            // A key that is not the certificate's (from another hub's init).
            for name in ["a", "b"] {
                _ = try await ChildProcess.run(
                    "concord-hub", ["init", "--data-dir", dir.appendingPathComponent(name).path, "--port", "0"])
            }
            let mixed = """
                {"formatVersion": 1, "tls": {"certificate": "\(dir.path)/a/tls/server.pem",
                 "privateKey": "\(dir.path)/b/tls/server-key.pem"}}
                """
            try mixed.write(to: file, atomically: true, encoding: .utf8)
            let mismatch = try await ChildProcess.run("concord-hub", ["check-config", "--config", file.path])
            #expect(mismatch.status == 1)
            #expect(mismatch.output.contains("does not fit the certificate"), "\(mismatch.output)")
            try #"{"formatVersion": 1, "prot": 8443, "tls": {"certificate": "a", "privateKey": "b"}}"#.write(
                to: file, atomically: true, encoding: .utf8)
            let typo = try await ChildProcess.run("concord-hub", ["check-config", "--config", file.path])
            #expect(typo.status == 1)
            #expect(typo.output.contains("unknown key 'prot' in the hub config"), "\(typo.output)")
            let noArgs = try await ChildProcess.run("concord-hub", ["serve"])
            #expect(noArgs.status == 64 || noArgs.status == 2, "usage errors exit non-zero: \(noArgs.status)")
            #expect(noArgs.output.contains("--data-dir"))
        }
    }
}

/// A Unix datagram socket standing in for systemd's notify socket.
final class DatagramSocket: @unchecked Sendable {
    let fd: Int32

    init(path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw ChildError("socket() failed") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8) + [0]) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0 else { throw ChildError("bind(\(path)) failed") }
    }

    deinit { close(fd) }

    /// The next datagram as text, or an error after `timeout`.
    func receive(timeout: Duration) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        var buffer = [UInt8](repeating: 0, count: 4096)
        while ContinuousClock.now < deadline {
            let n = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if n > 0 { return String(decoding: buffer[0..<n], as: UTF8.self) }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw ChildError("no notification within \(timeout)")
    }
}
