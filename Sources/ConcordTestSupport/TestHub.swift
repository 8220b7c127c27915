import ConcordClient
import ConcordCodec
import ConcordCore
import ConcordHTTP
import ConcordHub
import ConcordWire
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// A real hub over real TLS on an ephemeral loopback port, in this process, built exactly as
/// `concord-hub serve` builds it, in a fresh data directory made by `concord-hub init`'s code.
public struct TestHub: Sendable {
    /// The hub's data directory, made for the test and removed after it.
    public let dir: URL
    /// The loopback port the hub bound.
    public let port: Int
    /// The CA (PEM) that signed the hub's certificate, for clients to trust.
    public let caFile: String
    /// The token of the business unit's admin agency `lscp`, as `concord-hub init` made it.
    public let adminToken: String
    /// The hub itself, for tests that look behind the HTTP API.
    public let store: Hub

    /// `https://127.0.0.1:PORT`.
    public var baseURL: String { "https://127.0.0.1:\(port)" }

    /// A client sending `token` as its bearer token (none when `nil`), never through a proxy.
    public func client(_ token: String?) -> JSONClient {
        var configuration = HTTPClientConfiguration(baseURL: baseURL, caFile: caFile, bearerToken: token)
        configuration.proxy = ""  // never a proxy to loopback
        return JSONClient(HTTPClient(configuration))
    }

    /// A client with the admin token.
    public var admin: JSONClient { client(adminToken) }

    /// Adds the Northbridge agencies and imports plan child-m; returns each agency's token.
    public func seed() async throws -> [String: String] {
        var tokens: [String: String] = ["lscp": adminToken]
        for (id, role) in [
            ("csc", Role.agency), ("police", .agency), ("icb", .agency), ("education", .agency), ("probation", .agency),
            ("nhs-trust", .agency), ("scrutiny", .viewer),
        ] {
            let issued: IssuedToken = try await admin.post(
                "/v1/agencies", AgencyRequest(id: AgencyID(id), name: "\(id) agency", role: role), expect: 201)
            tokens[id] = issued.token
        }
        let csv = try String(contentsOf: repoRoot.appendingPathComponent("samples/plan-child-m.csv"), encoding: .utf8)
        let _: PlanImportResponse = try await admin.post(
            "/v1/plans", PlanImportRequest(id: PlanID("child-m"), title: "CSPR Child M", csv: csv), expect: 201)
        return tokens
    }

    /// Imports plan p2: 1.1 led by police with probation supporting, 1.2 led by csc, so that
    /// probation's only part in p2 is supporting 1.1 (call after ``seed()``).
    public func importPlanP2() async throws {
        let csv = """
            ref,recommendation,action,lead_agency,supporting_agencies,lead_officer,target_date,success_measure,rag,progress
            1.1,"Share information",Joint visits to be recorded,police,probation,DI,2026-06-30,Joint visits recorded,amber,
            1.2,"Share information",Strategy meetings to include health,csc,,Team manager,2026-06-30,Audit of 10 meetings,red,

            """
        let _: PlanImportResponse = try await admin.post(
            "/v1/plans", PlanImportRequest(id: try PlanID("p2"), title: "Review P2", csv: csv), expect: 201)
    }

    /// Takes probation off p2/1.1, its only action in p2.
    public func removeProbationFromP2() async throws -> ChangeResult {
        try await admin.push([edit("p2/1.1", [.supportingAgencies: (.list(["probation"]), .list([]))])])[0]
    }
}

/// The package's root folder (three levels above this file).
public let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// Writes a secret (a token) readable by its owner only, as `concord-hub agency add` does.
public func writeSecret(_ text: String, to url: URL) throws {
    try text.write(to: url, atomically: true, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path)
}

/// A temporary directory removed after `body`.
public func withTemporaryDirectory<T>(_ body: (URL) async throws -> T) async throws -> T {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("concord-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    return try await body(dir)
}

/// Runs `body` against a fresh hub on `store`, then shuts the hub down gracefully.
public func withTestHub(
    store: TestStore = .sqlite, configure: (inout HubConfig) -> Void = { _ in }, clock: TestClock? = nil,
    _ body: (TestHub) async throws -> Void
) async throws {
    try await withTemporaryDirectory { dir in
        var logger = Logger(label: "test-hub")
        logger.logLevel = .warning
        var options = HubSetup.Options(dataDir: dir.path)
        options.host = "127.0.0.1"
        options.port = 0
        options.hostnames = ["localhost"]
        var database: (cluster: PostgresCluster, name: String)?
        if store == .postgres {
            let cluster = try await PostgresCluster.shared()
            let name = try await cluster.freshDatabase()
            database = (cluster, name)
            options.database = DatabaseSetting(url: cluster.url(name))
        }
        do {
            let setup = try await HubSetup.initialize(options, logger: logger)
            var config = try HubConfig.load(file: setup.configFile, environment: [:])
            configure(&config)
            let hub = try await Hub.open(
                try config.databaseLocation(environment: [:]), report: config.report,
                screening: try config.screeningPolicy(), clock: clock?.callAsFunction ?? Hub.systemTime, logger: logger)
            try await serve(hub, config: config, setup: setup, dir: dir, logger: logger, body)
        } catch {
            if let database { try? await database.cluster.dropDatabase(database.name) }
            throw error
        }
        if let database { try await database.cluster.dropDatabase(database.name) }
    }
}

/// Serves `store` over HTTPS until `body` ends, then shuts it down and closes it.
private func serve(
    _ store: Hub, config: HubConfig, setup: HubSetup.Result, dir: URL, logger: Logger,
    _ body: (TestHub) async throws -> Void
) async throws {
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    let services = try HubApp.buildServices(config: config, store: store, logger: logger) { port in
        continuation.yield(port)
    }
    let group = ServiceGroup(services: services, logger: logger)
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw ConfigError("hub did not start") }
        let hub = TestHub(dir: dir, port: port, caFile: setup.caFile!, adminToken: setup.adminToken, store: store)
        do {
            try await body(hub)
        } catch {
            await group.triggerGracefulShutdown()
            try? await tasks.waitForAll()
            try? store.close()
            throw error
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
    }
    try store.close()
}

/// JSON over the real libcurl client (``JSONAPI``), for tests and benchmarks: answers of any
/// status can be asked for, and an unexpected one is a ``Failure`` with its body as text.
public struct JSONClient: Sendable {
    /// The client requests go through.
    public let http: HTTPClient

    /// A JSON client over `http`.
    public init(_ http: HTTPClient) { self.http = http }

    var api: JSONAPI { JSONAPI(http) }

    /// An answer with a status other than the one expected.
    public struct Failure: Error, CustomStringConvertible {
        /// The status received.
        public var status: Int
        /// The answer's body as text.
        public var body: String
        /// `HTTP STATUS: BODY`.
        public var description: String { "HTTP \(status): \(body)" }
    }

    /// Sends a request and returns the answer, whatever its status.
    public func raw(
        _ method: String, _ path: String, body: [UInt8]? = nil, headers: [String: String] = [:]
    ) async throws
        -> HTTPResponse
    {
        try await api.send(method, path, body: body, headers: headers)
    }

    /// GETs `path` and decodes the answer; throws `Failure` unless its status is `expect`.
    public func get<T: Decodable>(_ path: String, expect: Int = 200) async throws -> T {
        try decode(try await raw("GET", path), expect: expect)
    }

    /// POSTs `body` as JSON and decodes the answer; throws `Failure` unless its status is `expect`.
    public func post<T: Decodable>(_ path: String, _ body: some Encodable, expect: Int = 200) async throws -> T {
        try decode(try await raw("POST", path, body: try JSONAPI.json(body)), expect: expect)
    }

    /// The error answer of a request expected to fail with `status`.
    public func error(
        _ method: String, _ path: String, body: [UInt8]? = nil, status: Int
    ) async throws -> ErrorBody.Detail {
        let response = try await raw(method, path, body: body)
        guard response.status == status else { throw Failure(status: response.status, body: response.text) }
        return try (JSONAPI.decode(response.body, status: status) as ErrorBody).error
    }

    /// Decodes an answer's body; throws `Failure` unless its status is `expect`.
    public func decode<T: Decodable>(_ response: HTTPResponse, expect: Int) throws -> T {
        guard response.status == expect else { throw Failure(status: response.status, body: response.text) }
        return try JSONAPI.decode(response.body, status: response.status)
    }

    /// Pushes `changes` as one batch and returns the hub's result for each, in order.
    public func push(_ changes: [Change]) async throws -> [ChangeResult] {
        let response: PushResponse = try await post("/v1/sync/push", PushRequest(changes: changes))
        return response.results
    }

    /// One pull page of records changed after `since`, waiting up to `wait` seconds for news.
    public func pull(since: Int64 = 0, limit: Int = 1000, wait: Int = 0) async throws -> PullResponse {
        try await get("/v1/sync/pull?since=\(since)&limit=\(limit)&wait=\(wait)")
    }
}

/// Parses an action address such as `child-m/1.1`, trapping on a bad one (for literals in tests).
public func address(_ s: String) -> ActionAddress { try! ActionAddress(s) }

/// A change to existing action `a` moving each field from the first value to the second.
public func edit(_ a: String, _ fields: [Field: (FieldValue, FieldValue)], reason: String? = nil) -> Change {
    Change(
        action: address(a), baseRevision: 1,
        fields: fields.mapValues { FieldChange(from: $0.0, to: $0.1) }, reason: reason)
}

/// A hub clock a test sets: the report's days (stale, red, overdue) pass at once.
public final class TestClock: Sendable {
    private let time: Mutex<Timestamp>

    /// A clock showing `start`.
    public init(_ start: Timestamp) { time = Mutex(start) }

    /// The time it shows.
    @Sendable public func callAsFunction() -> Timestamp { time.withLock { $0 } }

    /// Sets the time it shows.
    public func set(_ t: Timestamp) { time.withLock { $0 = t } }
}
