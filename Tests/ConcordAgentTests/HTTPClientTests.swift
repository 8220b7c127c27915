import ConcordCore
import ConcordHTTP
import ConcordTestSupport
import ConcordWire
import Foundation
import Testing

@testable import ConcordAgent
@testable import ConcordHub

#if canImport(Glibc)
    import Glibc
#endif

/// The agent's libcurl client: trust, keep-alive, timeouts, compression, and where the
/// token comes from. (Proxies: ProxyTests.)
@Suite("HTTP client")
struct HTTPClientTests {
    func client(_ hub: TestHub, caFile: String?, token: String? = nil) -> HTTPClient {
        var c = HTTPClientConfiguration(baseURL: hub.baseURL, caFile: caFile, bearerToken: token)
        c.proxy = ""
        return HTTPClient(c)
    }

    @Test func withoutACAFile_theSystemStoreIsUsed_andRefusesTheHubsOwnCA() async throws {
        try await withTestHub { hub in
            do {
                _ = try await client(hub, caFile: nil).send("GET", "/healthz")
                Issue.record("a certificate from the hub's own CA was trusted without caFile")
            } catch let error as HTTPTransportError {
                #expect(error.isCertificateProblem, "\(error)")
            }
            #expect(try await client(hub, caFile: hub.caFile).send("GET", "/healthz").status == 200)
        }
    }

    @Test func requestsOnOneClient_reuseOneConnection() async throws {
        try await withTestHub { hub in
            let http = client(hub, caFile: hub.caFile, token: hub.adminToken)
            let first = try await http.send("GET", "/healthz")
            let second = try await http.send("GET", "/v1/plans")
            let third = try await http.send("GET", "/healthz")
            #expect(first.newConnections == 1)
            #expect(second.newConnections == 0 && third.newConnections == 0, "keep-alive: no new TLS handshake")
        }
    }

    @Test func aRequestThatTakesTooLong_endsWithATimeout() async throws {
        try await withTestHub { hub in
            let tokens = try await hub.seed()
            let http = client(hub, caFile: hub.caFile, token: tokens["csc"])
            let cursor = try await JSONClient(http).pull().cursor
            let started = ContinuousClock.now
            do {
                // A long-poll with nothing new holds the request for 20 s; the client gives it 1 s.
                _ = try await http.send("GET", "/v1/sync/pull?since=\(cursor)&wait=20", timeout: .seconds(1))
                Issue.record("the long-poll was not cut off")
            } catch let error as HTTPTransportError {
                #expect(error.code == 28, "\(error)")  // CURLE_OPERATION_TIMEDOUT
            }
            #expect(ContinuousClock.now - started < .seconds(15))
        }
    }

    @Test func aCancelledLongPoll_isAbandoned_andTheClientsNextRequestGoesAtOnce() async throws {
        try await withTestHub { hub in
            let tokens = try await hub.seed()
            let http = client(hub, caFile: hub.caFile, token: tokens["csc"])
            let cursor = try await JSONClient(http).pull().cursor
            let poll = Task { try await http.send("GET", "/v1/sync/pull?since=\(cursor)&wait=30") }
            try await Task.sleep(for: .milliseconds(300))
            poll.cancel()
            await #expect(throws: CancellationError.self) { _ = try await poll.value }
            // The client sends one request at a time: had the long-poll run on, this would
            // wait for its 30 s.
            let started = ContinuousClock.now
            #expect(try await http.send("GET", "/healthz").status == 200)
            #expect(ContinuousClock.now - started < .seconds(10), "the cancelled long-poll held the client up")
        }
    }

    @Test func gzippedAnswers_areDecompressed() async throws {
        // {"status":"compressed answer"}, gzipped.
        let gzipped: [UInt8] = [
            0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xab, 0x56, 0x2a, 0x2e, 0x49, 0x2c, 0x29,
            0x2d, 0x56, 0xb2, 0x52, 0x4a, 0xce, 0xcf, 0x2d, 0x28, 0x4a, 0x2d, 0x2e, 0x4e, 0x4d, 0x51, 0x48, 0xcc,
            0x2b, 0x2e, 0x4f, 0x2d, 0x52, 0xaa, 0x05, 0x00, 0x8a, 0x71, 0x35, 0xeb, 0x1e, 0x00, 0x00, 0x00,
        ]
        let server = try OneAnswerServer(
            head: "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
                + "Content-Length: \(gzipped.count)\r\nConnection: close\r\n\r\n",
            body: gzipped)
        var c = HTTPClientConfiguration(baseURL: "http://127.0.0.1:\(server.port)")
        c.proxy = ""
        let answer = try await HTTPClient(c).send("GET", "/healthz")
        #expect(answer.text == #"{"status":"compressed answer"}"#)
        let request = server.request.lowercased()
        #expect(request.contains("accept-encoding:") && request.contains("gzip"), "\(server.request)")
    }

    @Test func mutualTLS_anAgentWithItsCertificateSyncs_andOneWithoutIsRefused() async throws {
        try await withTestHub(configure: { $0.tls.clientCA = "tls/ca.pem" }) { hub in
            let adminCertificate = try HubCertificates.issueClientCertificate(commonName: "lscp", dataDir: hub.dir)
            var c = HTTPClientConfiguration(baseURL: hub.baseURL, caFile: hub.caFile, bearerToken: hub.adminToken)
            c.proxy = ""
            c.clientCertificate = adminCertificate.certificate
            c.clientKey = adminCertificate.key
            let admin = JSONClient(HTTPClient(c))
            let issued: IssuedToken = try await admin.post(
                "/v1/agencies", AgencyRequest(id: AgencyID("police"), name: "Police", role: .agency), expect: 201)
            // The right token without a certificate is refused in the TLS handshake.
            await #expect(throws: HTTPTransportError.self) {
                _ = try await hub.client(hub.adminToken).raw("GET", "/v1/plans")
            }

            // As an admin would: concord-hub agency certificate.
            let issuedCertificate = try await ChildProcess.run(
                "concord-hub", ["agency", "certificate", "police", "--data-dir", hub.dir.path])
            #expect(issuedCertificate.status == 0, "\(issuedCertificate.output)")
            let certificateSettings = [
                "clientCertificate": hub.dir.appendingPathComponent("tls/client-police.pem").path,
                "clientKey": hub.dir.appendingPathComponent("tls/client-police-key.pem").path,
            ]
            // Police's certificate with another agency's token is refused: each names its agency.
            var crossed = c
            crossed.clientCertificate = certificateSettings["clientCertificate"]
            crossed.clientKey = certificateSettings["clientKey"]
            let refusedCrossed = try await JSONClient(HTTPClient(crossed)).error("GET", "/v1/plans", status: 403)
            #expect(refusedCrossed.message.contains("certificate is for police"), "\(refusedCrossed.message)")

            let dir = hub.dir.appendingPathComponent("agents")
            var agents: [AgentProcess] = []
            defer { for agent in agents { agent.process.signal(SIGKILL) } }
            for (name, settings) in [("police", certificateSettings), ("police-nocert", [:])] {
                let stateDir = try makeAgentConfig(
                    dir, name: name, hub: hub.baseURL, agency: "police", token: issued.token, caFile: hub.caFile,
                    settings: settings)
                agents.append(
                    try await AgentProcess.start(stateDir: stateDir, logFile: dir.appendingPathComponent("\(name).log"))
                )
            }
            let certified = try await agents[0].sync()
            #expect(certified.online && certified.pending == 0, "\(certified)")
            let refused = try await agents[1].sync(wait: 3)
            #expect(!refused.online, "an agent without a client certificate got through: \(refused)")
            for agent in agents { await agent.process.stop() }
        }
    }

    @Test func theToken_comesFromTheSystemdCredential_beforeTheTokenFile() throws {
        try withTemporaryDirectoryBlocking { dir in
            let tokenFile = dir.appendingPathComponent("token")
            try writeSecret("cch_from_file\n", to: tokenFile)
            let credentials = dir.appendingPathComponent("credentials")
            try FileManager.default.createDirectory(at: credentials, withIntermediateDirectories: true)
            let config = AgentConfig(
                stateDir: dir.path, hub: "https://hub.example.org:8443", agency: try AgencyID("police"),
                tokenFile: tokenFile.path)
            #expect(try config.readToken(environment: [:]) == "cch_from_file")
            #expect(try config.readToken(environment: ["CREDENTIALS_DIRECTORY": credentials.path]) == "cch_from_file")
            try " cch_from_credential \n".write(
                to: credentials.appendingPathComponent("hub-token"), atomically: true, encoding: .utf8)
            #expect(
                try config.readToken(environment: ["CREDENTIALS_DIRECTORY": credentials.path]) == "cch_from_credential")
            var noFile = config
            noFile.tokenFile = nil
            #expect(throws: AgentError.self) { try noFile.readToken(environment: [:]) }
            try writeSecret("  \n", to: tokenFile)
            #expect(throws: AgentError.config("token file \(tokenFile.path) is empty")) {
                try config.readToken(environment: [:])
            }
        }
    }
}

func withTemporaryDirectoryBlocking(_ body: (URL) throws -> Void) throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("concord-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    try body(dir)
}

/// A plain-HTTP server on 127.0.0.1 that answers one request with canned bytes and keeps
/// the request's head for the test to read.
final class OneAnswerServer: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var received = ""

    var request: String { lock.withLock { received } }

    init(head: String, body: [UInt8]) throws {
        (listener, port) = try listenOnLoopback(backlog: 4, what: "test server")
        Thread.detachNewThread { [self] in
            let client = accept(listener, nil, nil)
            close(listener)
            guard client >= 0 else { return }
            var bytes: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while !bytes.suffix(4).elementsEqual([13, 10, 13, 10]) {
                let n = read(client, &buffer, buffer.count)
                if n <= 0 { break }
                bytes.append(contentsOf: buffer[0..<n])
            }
            lock.withLock { received = String(decoding: bytes, as: UTF8.self) }
            let answer = Array(head.utf8) + body
            _ = answer.withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
            close(client)
        }
    }
}
