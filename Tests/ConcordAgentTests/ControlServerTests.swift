import ConcordCore
import ConcordTestSupport
import ConcordWire
import Foundation
import Logging
import ServiceLifecycleTestKit
import Testing

@testable import ConcordAgent

#if canImport(Glibc)
    import Glibc
#endif

/// The control socket's HTTP/1.1, on bytes: what is accepted and what is refused, and why.
@Suite struct ControlHTTPParsingTests {
    func parse(_ text: String) throws(ControlHTTPError) -> (ControlRequestHead, Int)? {
        try ControlRequestHead.parse(Array(text.utf8)[...])
    }

    @Test func aRequestHeadIsReadWithItsLengthAndKeepAlive() throws {
        let text =
            "POST /v1/actions/child-m/3.1?x=1 HTTP/1.1\r\nHost: localhost\r\nContent-Length: 12\r\n\r\n{\"set\":{}}.."
        let (head, used) = try #require(try parse(text))
        #expect(head.method == "POST")
        #expect(head.target == "/v1/actions/child-m/3.1?x=1")
        #expect(head.contentLength == 12)
        #expect(head.keepAlive)
        #expect(!head.expectContinue)
        #expect(used == text.utf8.count - 12)
    }

    @Test func aHeadIsNotReadUntilItsBlankLineArrives() throws {
        let text = "GET /v1/status HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n"
        let bytes = Array(text.utf8)
        for cut in 0..<bytes.count {
            #expect(try ControlRequestHead.parse(bytes[..<cut]) == nil, "complete after \(cut) bytes?")
        }
        #expect(try ControlRequestHead.parse(bytes[...])?.1 == bytes.count)
        // Bare LF line ends, and a stray blank line before the request line, are tolerated.
        #expect(try parse("\r\nGET / HTTP/1.1\nHost: x\n\n")?.0.target == "/")
    }

    @Test func connectionHeadersDecideKeepAlive() throws {
        #expect(try parse("GET / HTTP/1.1\r\nConnection: close\r\n\r\n")?.0.keepAlive == false)
        #expect(try parse("GET / HTTP/1.1\r\nconnection: Keep-Alive, TE\r\n\r\n")?.0.keepAlive == true)
        #expect(try parse("GET / HTTP/1.0\r\n\r\n")?.0.keepAlive == false)
        #expect(try parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")?.0.keepAlive == true)
        #expect(
            try parse("POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n")?.0.expectContinue == true)
        // HTTP/1.0 has no interim answers.
        #expect(
            try parse("POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n")?.0.expectContinue
                == false)
        // Any token is a method; routing refuses the ones it does not serve.
        #expect(try parse("m-search / HTTP/1.1\r\n\r\n")?.0.method == "m-search")
    }

    @Test(arguments: [
        ("GET\r\n\r\n", 400, "malformed request line"),
        ("G(T / HTTP/1.1\r\n\r\n", 400, "malformed request line"),
        ("GET v1/status HTTP/1.1\r\n\r\n", 400, "malformed request line"),
        ("GET / HTTP/1.1 extra\r\n\r\n", 400, "malformed request line"),
        ("GET / HTTP/2.0\r\n\r\n", 505, "only HTTP/1.1 and HTTP/1.0"),
        ("GET / HTTP/1.1\r\nNo colon here\r\n\r\n", 400, "malformed header line"),
        ("GET / HTTP/1.1\r\n folded: value\r\n\r\n", 400, "malformed header line"),
        ("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400, "Content-Length is not a number"),
        ("POST / HTTP/1.1\r\nContent-Length: 12abc\r\n\r\n", 400, "Content-Length is not a number"),
        ("POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", 400, "two different Content-Length"),
        ("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 411, "chunked request bodies are not accepted"),
        ("POST / HTTP/1.1\r\nContent-Length: 1048577\r\n\r\n", 400, "the request body is over 1 MiB"),
    ])
    func badHeadsAreRefusedWithAReason(text: String, status: Int, message: String) {
        #expect {
            try ControlRequestHead.parse(Array(text.utf8)[...])
        } throws: { error in
            guard let error = error as? ControlHTTPError else { return false }
            return error.status == status && error.message.contains(message)
        }
    }

    @Test func aHeadOver16KiBIsRefusedEvenBeforeItEnds() throws {
        let long = "GET / HTTP/1.1\r\nX-Filler: " + String(repeating: "a", count: 17 * 1024)
        #expect(throws: ControlHTTPError.self) { try parse(long) }
        #expect(throws: ControlHTTPError.self) { try parse(long + "\r\n\r\n") }
        // Exactly at the limit is fine; a byte more is not.
        let start = "GET / HTTP/1.1\r\nX: "
        let fill = ControlRequestHead.maxHeadBytes - start.utf8.count - 4
        #expect(
            try parse(start + String(repeating: "a", count: fill) + "\r\n\r\n")?.1 == ControlRequestHead.maxHeadBytes)
        #expect(throws: ControlHTTPError.self) {
            try parse(start + String(repeating: "a", count: fill + 1) + "\r\n\r\n")
        }
    }

    @Test func pathAndQueryArePercentDecoded() throws {
        let (head, _) = try #require(
            try parse("GET /v1/actions/child%2Dm/3.1?rag=amber%2B&plan=a%20b&flag HTTP/1.1\r\n\r\n"))
        let request = try head.request(body: [])
        #expect(request.segments == ["v1", "actions", "child-m", "3.1"])
        #expect(request.query == ["rag": "amber+", "plan": "a b", "flag": ""])
        #expect(request.path == "/v1/actions/child%2Dm/3.1")
        let (bad, _) = try #require(try parse("GET /v1/actions/%zz HTTP/1.1\r\n\r\n"))
        #expect(throws: ControlHTTPError.self) { try bad.request(body: []) }
        let (notUTF8, _) = try #require(try parse("GET /v1/status?x=%ff HTTP/1.1\r\n\r\n"))
        #expect(throws: ControlHTTPError.self) { try notUTF8.request(body: []) }
    }
}

/// The control socket's server, in process, with a handler that echoes what it was given.
@Suite struct ControlServerTests {
    struct Echo: Codable {
        var method: String
        var segments: [String]
        var query: [String: String]
        var body: String
    }

    static func echo(_ request: ControlRequest) -> ControlResponse {
        let echo = Echo(
            method: request.method, segments: request.segments, query: request.query,
            body: String(decoding: request.body, as: UTF8.self))
        return ControlResponse(status: 200, body: Array(try! JSONEncoder().encode(echo)))
    }

    /// Runs a server on a socket in a new temporary directory until `body` returns.
    func withServer(
        maxConnections: Int = 64, idleTimeoutSeconds: Int = 10,
        handler: @escaping ControlServer.Handler = { echo($0) },
        _ body: (String, GracefulShutdownTestTrigger) async throws -> Void
    ) async throws {
        try await withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("control.sock").path
            try await testGracefulShutdown { trigger in
                let (ready, running) = AsyncStream.makeStream(of: Void.self)
                let server = ControlServer(
                    path: path, logger: Logger(label: "test"), maxConnections: maxConnections,
                    idleTimeoutSeconds: idleTimeoutSeconds, onRunning: { running.yield() }, handler: handler)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        defer { running.finish() }
                        try await server.run()
                    }
                    var iterator = ready.makeAsyncIterator()
                    guard await iterator.next() != nil else {
                        try await group.waitForAll()
                        throw ChildError("the server ended before it was running")
                    }
                    do { try await body(path, trigger) } catch {
                        trigger.triggerGracefulShutdown()
                        throw error
                    }
                    trigger.triggerGracefulShutdown()
                    try await group.waitForAll()
                }
            }
        }
    }

    @Test func requestsOnOneConnectionArePipelinedAndAnsweredInOrder() async throws {
        try await withServer { path, _ in
            let client = try RawClient(path)
            client.send(
                "GET /v1/status?wait=3 HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "POST /v1/actions/child-m/3.1 HTTP/1.1\r\nContent-Length: 7\r\n\r\n{\"a\":1}")
            let first = try await client.response()
            let second = try await client.response()
            #expect(first.status == 200 && second.status == 200)
            #expect(first.headers["content-type"] == "application/json")
            #expect(first.headers["connection"] == nil, "keep-alive is HTTP/1.1's default")
            let a = try JSONDecoder().decode(Echo.self, from: Data(first.body))
            let b = try JSONDecoder().decode(Echo.self, from: Data(second.body))
            #expect(a.method == "GET" && a.segments == ["v1", "status"] && a.query == ["wait": "3"])
            #expect(b.method == "POST" && b.segments == ["v1", "actions", "child-m", "3.1"] && b.body == "{\"a\":1}")
            // The connection is still open for a third.
            client.send("GET /again HTTP/1.1\r\nConnection: close\r\n\r\n")
            let third = try await client.response()
            #expect(third.headers["connection"] == "close")
            #expect(try await client.atEnd())
        }
    }

    @Test func aBodyInPiecesAndAfter100ContinueIsReadWhole() async throws {
        try await withServer { path, _ in
            let client = try RawClient(path)
            client.send("POST /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 10\r\n\r\n")
            let interim = try await client.response()
            #expect(interim.status == 100)
            client.send("01234")
            try await Task.sleep(for: .milliseconds(50))
            client.send("56789")
            let answer = try await client.response()
            #expect(try JSONDecoder().decode(Echo.self, from: Data(answer.body)).body == "0123456789")
        }
    }

    @Test func badInputGetsAJSONErrorAndTheConnectionIsClosed() async throws {
        let calls = Counter()
        try await withServer(handler: { request in
            calls.add()
            return ControlServerTests.echo(request)
        }) { path, _ in
            // A head that cannot be framed ends the connection; a bad path in a well-framed
            // request does not.
            for (text, status, code, closes) in [
                ("BREW /pot HTCPCP/1.0\r\n\r\n", 505, "http505", true),
                ("nonsense\r\n\r\n", 400, "badRequest", true),
                ("POST /x HTTP/1.1\r\nContent-Length: 2000000\r\n\r\n", 400, "badRequest", true),
                ("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 411, "http411", true),
                ("GET /x%zz HTTP/1.1\r\n\r\n", 400, "badRequest", false),
            ] {
                let client = try RawClient(path)
                client.send(text)
                let answer = try await client.response()
                #expect(answer.status == status, "\(text)")
                let error = try JSONDecoder().decode(ErrorBody.self, from: Data(answer.body))
                #expect(error.error.code == code && error.error.status == status)
                if closes {
                    #expect(answer.headers["connection"] == "close")
                    #expect(try await client.atEnd(), "closed after \(text)")
                } else {
                    client.send("GET /next HTTP/1.1\r\n\r\n")
                    #expect(try await client.response().status == 200, "still open after \(text)")
                }
            }
            #expect(calls.value == 1, "no bad request reaches the handler (only /next does)")
        }
    }

    @Test func aStalledClientHoldsUpNobodyAndAnIdleOneIsClosed() async throws {
        try await withServer(idleTimeoutSeconds: 1) { path, _ in
            let stalled = try RawClient(path)
            stalled.send("GET /v1/status HTTP/1.1\r\nHost:")
            let other = try RawClient(path)
            other.send("GET /v1/status HTTP/1.1\r\n\r\n")
            #expect(try await other.response().status == 200)
            // The stalled one is closed once it has been quiet for the idle timeout.
            #expect(try await stalled.atEnd())
        }
    }

    @Test func connectionsOverTheLimitGet503() async throws {
        try await withServer(maxConnections: 2) { path, _ in
            let a = try RawClient(path), b = try RawClient(path)
            // Both admitted: each gets an answer and stays open.
            for c in [a, b] {
                c.send("GET /one HTTP/1.1\r\n\r\n")
                #expect(try await c.response().status == 200)
            }
            let third = try RawClient(path)
            let refused = try await third.response()
            #expect(refused.status == 503)
            #expect(String(decoding: refused.body, as: UTF8.self).contains("serving 2 connections already"))
            #expect(try await third.atEnd())
            a.close()
            // A freed place is taken again (the server notices the close at once).
            let admitted = try await eventually {
                let d = try RawClient(path)
                d.send("GET /two HTTP/1.1\r\n\r\n")
                return (try? await d.response().status) == 200
            }
            #expect(admitted, "a connection is admitted after one closes")
        }
    }

    @Test func gracefulShutdownAnswersTheRequestInProgressAndRemovesTheSocket() async throws {
        let gate = Gate()
        try await withServer(handler: { request in
            if request.segments == ["slow"] { await gate.wait() }
            return ControlServerTests.echo(request)
        }) { path, trigger in
            #expect(FileManager.default.fileExists(atPath: path))
            var st = stat()
            #expect(lstat(path, &st) == 0 && st.st_mode & 0o777 == 0o660, "the socket is 0660, for the agency's group")
            let idle = try RawClient(path)
            idle.send("GET /first HTTP/1.1\r\n\r\n")
            #expect(try await idle.response().status == 200)
            let busy = try RawClient(path)
            busy.send("GET /slow HTTP/1.1\r\n\r\n")
            #expect(await eventually { await gate.waiting }, "the slow request is in the handler")
            trigger.triggerGracefulShutdown()
            #expect(await eventually { !FileManager.default.fileExists(atPath: path) }, "the socket file is removed")
            #expect(throws: (any Error).self) { try RawClient(path) }
            #expect(try await idle.atEnd(), "an idle keep-alive connection is closed")
            await gate.open()
            let answer = try await busy.response()
            #expect(answer.status == 200)
            #expect(answer.headers["connection"] == "close")
            #expect(try await busy.atEnd())
        }
    }

    @Test func http10ClosesUnlessItAsksForKeepAlive() async throws {
        try await withServer { path, _ in
            let plain = try RawClient(path)
            plain.send("GET /a HTTP/1.0\r\n\r\n")
            #expect(try await plain.response().headers["connection"] == "close")
            #expect(try await plain.atEnd())
            let kept = try RawClient(path)
            kept.send("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            #expect(try await kept.response().headers["connection"] == "keep-alive")
            kept.send("GET /b HTTP/1.0\r\n\r\n")
            #expect(try await kept.response().status == 200)
            #expect(try await kept.atEnd())
        }
    }

    @Test func aSocketSomeoneServesIsNeverTakenOver() async throws {
        try await withServer { path, _ in
            #expect {
                _ = try ControlServer.openSocket(path)
            } throws: { error in
                "\(error)".contains("another process is serving the control socket")
            }
            // The first server still answers.
            let client = try RawClient(path)
            client.send("GET /still HTTP/1.1\r\n\r\n")
            #expect(try await client.response().status == 200)
        }
    }

    @Test func aLeftoverSocketIsReplacedButAnythingElseIsLeftAlone() async throws {
        try await withTemporaryDirectory { dir in
            // A socket file left by an agent that was killed: bound, then closed without unlinking.
            let leftover = dir.appendingPathComponent("control.sock").path
            let (fd, _) = try ControlServer.openSocket(leftover)
            Glibc.close(fd)
            #expect(FileManager.default.fileExists(atPath: leftover))
            let (again, _) = try ControlServer.openSocket(leftover)
            Glibc.close(again)

            let file = dir.appendingPathComponent("notes.txt").path
            try "keep me".write(toFile: file, atomically: true, encoding: .utf8)
            #expect(
                throws: AgentError.config("\(file) exists and is not a socket; move it away or set another \"socket\"")
            ) {
                _ = try ControlServer.openSocket(file)
            }
            #expect(try String(contentsOfFile: file, encoding: .utf8) == "keep me")

            let long = dir.path + "/" + String(repeating: "s", count: 120)
            #expect {
                _ = try ControlServer.openSocket(long)
            } throws: { error in
                "\(error)".contains("a Unix socket path has at most 107")
            }
        }
    }
}

/// Counts calls from any thread.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}

/// Holds callers until opened.
actor Gate {
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var isOpen = false
    var waiting: Bool { !waiters.isEmpty }

    func wait() async {
        if isOpen { return }
        await withCheckedContinuation { waiters.append($0) }
    }

    func open() {
        isOpen = true
        for w in waiters { w.resume() }
        waiters = []
    }
}

/// A client on a Unix socket that reads HTTP/1.1 responses byte for byte. Its reads block,
/// so they run on threads of their own, never on the (2-thread) concurrency pool the server
/// under test needs. Used by one test at a time.
final class RawClient: @unchecked Sendable {
    struct Response {
        var status: Int
        var headers: [String: String]
        var body: [UInt8]
    }

    let fd: Int32
    var buffer: [UInt8] = []

    init(_ path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: Array(path.utf8) + [0])
        }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard rc == 0 else {
            throw ChildError("connect \(path): \(String(cString: strerror(errno)))")
        }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { Glibc.close(fd) }

    func close() { shutdown(fd, Int32(SHUT_RDWR)) }

    func send(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// More bytes; false at the end of the stream. Throws when 10 s pass with nothing, so a
    /// server that keeps a connection open cannot pass for one that closed it.
    func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = recv(fd, &chunk, chunk.count, 0)
        if n < 0 { throw ChildError("nothing from the server for 10 s (or \(String(cString: strerror(errno))))") }
        guard n > 0 else { return false }
        buffer += chunk[..<n]
        return true
    }

    /// True when the server has closed the connection with nothing more to say.
    func atEnd() async throws -> Bool {
        try await ChildProcess.onOwnThread { try self.buffer.isEmpty && !self.fill() }
    }

    func response() async throws -> Response {
        try await ChildProcess.onOwnThread { try self.readResponse() }
    }

    func readResponse() throws -> Response {
        while true {
            if let end = buffer.firstRange(of: Array("\r\n\r\n".utf8)) {
                let head = String(decoding: buffer[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
                let status = Int(head[0].split(separator: " ")[1]) ?? 0
                var headers: [String: String] = [:]
                for line in head.dropFirst() {
                    let parts = line.split(separator: ":", maxSplits: 1)
                    headers[parts[0].lowercased()] = parts[1].trimmingCharacters(in: .whitespaces)
                }
                let length = Int(headers["content-length"] ?? "0") ?? 0
                while buffer.count < end.upperBound + length {
                    guard try fill() else { throw ChildError("the response body was cut short") }
                }
                let body = Array(buffer[end.upperBound..<(end.upperBound + length)])
                buffer.removeFirst(end.upperBound + length)
                return Response(status: status, headers: headers, body: body)
            }
            guard try fill() else {
                throw ChildError("no response; got \(String(decoding: buffer, as: UTF8.self))")
            }
        }
    }
}
