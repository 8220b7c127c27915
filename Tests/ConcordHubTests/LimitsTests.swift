import ConcordCore
import ConcordHTTP
import ConcordTestSupport
import ConcordWire
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// M3: no agency, and no idle or slow client, can hold the hub's connections and waiters.
@Suite("Hub limits on connections, streams and waits", .serialized)
struct LimitsTests {
    /// Opens a stream on a client of its own; returns the task that ends with it.
    /// With a heartbeat every second, so the hub notices at once when the client goes.
    static func openStream(_ hub: TestHub, _ token: String?, lines: SyncTests.Lines) -> Task<HTTPResponse, any Error> {
        let client = hub.client(token)
        return Task {
            try await client.http.streamLines(
                "/v1/sync/stream?since=0&wait=60&heartbeat=1", timeout: .seconds(90), idle: .seconds(90),
                line: lines.add)
        }
    }

    @Test(arguments: TestStore.allCases) func streamsOverTheAgencysCap_areRefusedWith429NamingTheLimit_othersUnaffected(
        _ store: TestStore
    ) async throws {
        try await withTestHub(store: store, configure: { $0.limits.maxWaitingPerAgency = 2 }) { hub in
            let tokens = try await hub.seed()
            let lines = SyncTests.Lines()
            let held = [
                Self.openStream(hub, tokens["police"], lines: lines),
                Self.openStream(hub, tokens["police"], lines: lines),
            ]
            defer { for task in held { task.cancel() } }
            try await lines.wait(for: 2)

            let third = try await hub.client(tokens["police"]).error("GET", "/v1/sync/pull?wait=5", status: 429)
            #expect(third.message.contains("maxWaitingPerAgency") && third.message.contains("police"))
            let refused = try await hub.client(tokens["police"]).http.streamLines(
                "/v1/sync/stream?since=0&wait=5", timeout: .seconds(10), idle: .seconds(10), line: { _ in })
            #expect(refused.status == 429)
            // Another agency, and a pull that does not wait, go through.
            let _: PullResponse = try await hub.client(tokens["csc"]).get("/v1/sync/pull?wait=0")
            let _: PullResponse = try await hub.client(tokens["police"]).get("/v1/sync/pull?wait=0")

            // One ends: the place is given back.
            held[0].cancel()
            let freed = try await eventually(timeout: .seconds(20)) {
                try await hub.client(tokens["police"]).raw("GET", "/v1/sync/pull?wait=1").status == 200
            }
            #expect(freed)
        }
    }

    @Test(arguments: TestStore.allCases) func requestsOverTheAgencysCap_areRefusedWith429(
        _ store: TestStore
    ) async throws {
        try await withTestHub(store: store, configure: { $0.limits.maxRequestsPerAgency = 1 }) { hub in
            let tokens = try await hub.seed()
            let token = tokens["police"]
            let cursor = try await hub.client(token).pull().cursor
            let client = hub.client(token)
            let wait = Task { try await client.raw("GET", "/v1/sync/pull?since=\(cursor)&wait=30") }
            defer { wait.cancel() }
            // The long-poll must hold the one place first (a request racing it would take it,
            // and the long-poll would be the one refused).
            let waiting = try await eventually(timeout: .seconds(20), every: .milliseconds(50)) {
                try await hub.client(nil).raw("GET", "/metrics").text.contains("concord_long_polls 1")
            }
            #expect(waiting, "the long-poll never reached the hub")
            let refused = try await eventually(timeout: .seconds(20), every: .milliseconds(200)) {
                try await hub.client(token).raw("GET", "/v1/plans").status == 429
            }
            #expect(refused, "a second request in progress was not refused")
            let detail = try await hub.client(token).error("GET", "/v1/plans", status: 429)
            #expect(detail.message.contains("maxRequestsPerAgency"))
        }
    }

    @Test(arguments: TestStore.allCases) func revokedToken_endsItsOpenStreamAtOnce(_ store: TestStore) async throws {
        try await withTestHub(store: store) { hub in
            let tokens = try await hub.seed()
            let lines = SyncTests.Lines()
            let stream = Self.openStream(hub, tokens["police"], lines: lines)
            defer { stream.cancel() }
            let finished = Flag()
            Task {
                _ = try? await stream.value
                finished.set()
            }
            try await lines.wait(for: 1)
            let _: AgencyInfo = try await hub.admin.post("/v1/agencies/police/revoke", [String: String]())
            // The hub's heartbeat is 20 s and the stream's wait 60 s: ending well before
            // either is the revocation's doing.
            let ended = await eventually(timeout: .seconds(10)) { finished.isSet }
            #expect(ended, "the stream went on after its token was revoked")
        }
    }

    @Test func connectionThatSendsNothing_isClosedAfterTheIdleTimeout() async throws {
        try await withTestHub(configure: { $0.limits.idleTimeoutSeconds = 1 }) { hub in
            let fd = try connectToLoopback(port: hub.port)
            defer { close(fd) }
            var timeout = timeval(tv_sec: 20, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var byte: UInt8 = 0
            let n = read(fd, &byte, 1)
            #expect(n == 0, "the hub kept a silent connection open (read \(n), errno \(errno))")
        }
    }

    @Test func connectionsOverTheCap_waitUntilOneCloses() async throws {
        try await withTestHub(configure: { $0.limits.maxConnections = 2 }) { hub in
            var held = [try connectToLoopback(port: hub.port), try connectToLoopback(port: hub.port)]
            defer { for fd in held { close(fd) } }
            // Let the hub accept (and count) them before the third comes.
            try await Task.sleep(for: .milliseconds(300))
            var configuration = HTTPClientConfiguration(baseURL: hub.baseURL, caFile: hub.caFile)
            configuration.proxy = ""
            configuration.connectTimeout = .seconds(2)
            configuration.requestTimeout = .seconds(2)
            let client = HTTPClient(configuration)
            await #expect(throws: HTTPTransportError.self) { _ = try await client.send("GET", "/healthz") }
            for fd in held { close(fd) }
            held = []
            let served = try await eventually(timeout: .seconds(20)) {
                (try? await client.send("GET", "/healthz").status) == 200
            }
            #expect(served)
        }
    }

}
