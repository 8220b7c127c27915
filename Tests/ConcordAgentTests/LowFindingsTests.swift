import ConcordCore
import ConcordHTTP
import ConcordTestSupport
import Foundation
import Testing

@testable import ConcordAgent
@testable import ConcordHub

#if canImport(Glibc)
    import Glibc
#endif

/// The audit's low findings, each with the scenario that shows it fixed.
@Suite("Low findings of the audit", .serialized)
struct LowFindingsTests {
    @Test(arguments: [
        ("https://hub.example.org:8443", true), ("http://127.0.0.1:8080", true), ("http://localhost", true),
        ("http://[::1]:9/path", true), ("http://localhost.example.net", false), ("http://127.0.0.1.nip.io", false),
        ("http://localhost:80@evil.example", false), ("http://127.0.0.1:80x", false), ("http://hub.example.org", false),
        ("ftp://127.0.0.1", false),
    ])
    func plainHTTP_isAllowedOnlyToAnExactLoopbackHost(_ url: String, _ allowed: Bool) {
        var config = AgentConfig(stateDir: "/tmp/x", hub: url, agency: police, tokenFile: nil)
        config.hub = url
        #expect((try? config.validate()) != nil ? allowed : !allowed, "\(url)")
    }

    @Test func tokenFileReadableByAnyUser_isRefusedSayingHowToFixIt() async throws {
        try await withTemporaryDirectory { dir in
            let file = dir.appendingPathComponent("hub.token")
            try "cch_secret\n".write(to: file, atomically: true, encoding: .utf8)
            chmod(file.path, 0o644)
            let config = AgentConfig(
                stateDir: dir.path, hub: "https://hub.example", agency: police, tokenFile: file.path)
            let error = #expect(throws: AgentError.self) { try config.readToken(environment: [:]) }
            #expect(error?.description.contains("chmod 600") == true, "\(error.map { "\($0)" } ?? "")")
            chmod(file.path, 0o600)
            #expect(try config.readToken(environment: [:]) == "cch_secret")
        }
    }

    @Test func answerLargerThanTheClientTakes_isDroppedWithAnError() async throws {
        try await withTestHub { hub in
            _ = try await hub.seed()
            var configuration = HTTPClientConfiguration(
                baseURL: hub.baseURL, caFile: hub.caFile, bearerToken: hub.adminToken)
            configuration.proxy = ""
            configuration.maxBodyBytes = 2000
            let small = HTTPClient(configuration)
            #expect(try await small.send("GET", "/healthz").status == 200)
            let error = await #expect(throws: HTTPTransportError.self) {
                _ = try await small.send("GET", "/v1/plans/child-m")
            }
            #expect(error?.message.contains("maxBodyBytes") == true)
        }
    }

    /// TLS 1.2 offers forward-secret AEAD suites only: no static RSA, no CBC.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")))
    func hubRefusesCBCAndStaticRSASuites_andAcceptsECDHEWithGCM() async throws {
        try await withTestHub { hub in
            func handshake(_ cipher: String) async throws -> Bool {
                let r = try await ChildProcess.run(
                    "/usr/bin/openssl",
                    [
                        "s_client", "-connect", "127.0.0.1:\(hub.port)", "-tls1_2", "-cipher", cipher, "-CAfile",
                        hub.caFile, "-verify_return_error", "-brief",
                    ], environment: [:], input: "")
                return r.status == 0
            }
            let accepted = try await handshake("ECDHE-ECDSA-AES128-GCM-SHA256")
            #expect(accepted)
            for refused in ["ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA384", "AES128-GCM-SHA256"] {
                let shook = try await handshake(refused)
                #expect(!shook, "\(refused) was accepted")
            }
        }
    }

    @Test func secureFileWrite_isPrivate_atomic_andLeavesNoTemporaryFile() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("admin.token").path
            try SecureFiles.write("one\n", to: path)
            try SecureFiles.write("two\n", to: path)
            #expect(try String(contentsOfFile: path, encoding: .utf8) == "two\n")
            let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
            #expect(mode == 0o600)
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["admin.token"])
            // A failing write (the target is a directory) reports it and leaves nothing behind.
            let blocked = dir.appendingPathComponent("blocked").path
            try FileManager.default.createDirectory(atPath: blocked, withIntermediateDirectories: false)
            #expect(throws: ConfigError.self) { try SecureFiles.write("x", to: blocked) }
            #expect(
                try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["admin.token", "blocked"])
        }
    }
}
