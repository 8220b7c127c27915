import CCurl
import Dispatch
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// An HTTP/1.1 client on libcurl, with keep-alive: one connection, requests one at a time.
/// `curl_easy_perform` blocks, so requests run on the client's own thread, never on the
/// Swift concurrency pool. Use one client per concurrent stream of requests (e.g. one for
/// long-polls, one for pushes).
public final class HTTPClient: @unchecked Sendable {
    // The handle is only touched on `queue`.
    private let queue: DispatchQueue
    private let handle: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>
    /// How the client reaches its server, fixed for the client's life.
    public let configuration: HTTPClientConfiguration

    private static let globalInit: Void = { _ = ccurl_global_init() }()

    /// A client for `configuration`; it connects on the first request.
    public init(_ configuration: HTTPClientConfiguration) {
        _ = Self.globalInit
        self.configuration = configuration
        queue = DispatchQueue(label: "concord.http")
        handle = curl_easy_init()
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    }

    deinit {
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    /// Sends a request and returns the answer, whatever its status. With `idle`, a transfer
    /// where no byte moves for that long is dropped (a transport error, curl 28).
    public func send(
        _ method: String, _ path: String, body: [UInt8]? = nil, headers: [String: String] = [:],
        timeout: Duration? = nil, idle: Duration? = nil
    ) async throws -> HTTPResponse {
        try await run { answer in
            try self.perform(method, path, body: body, headers: headers, timeout: timeout, answer: answer, idle: idle)
        }
    }

    /// Sends a GET whose answer comes in lines (`application/x-ndjson`) and hands each whole
    /// line, without its newline, to `line` as it arrives (on the client's thread, in order).
    /// With status 200 the answer's body is left empty (the lines went to `line`; a last
    /// line cut off by a dropped connection is not handed over); any other status comes
    /// back with its whole body. A connection that brings nothing for `idle` is dropped
    /// (a transport error, curl 28), so a dead peer is noticed.
    public func streamLines(
        _ path: String, timeout: Duration, idle: Duration, line: @escaping @Sendable ([UInt8]) -> Void
    ) async throws -> HTTPResponse {
        try await run { answer in
            try self.perform(
                "GET", path, body: nil, headers: [:], timeout: timeout, answer: answer, idle: idle, lines: line)
        }
    }

    /// Runs a transfer on the client's thread.
    private func run(
        _ transfer: @escaping @Sendable (Answer) throws -> HTTPResponse
    ) async throws -> HTTPResponse {
        // A cancelled caller is answered at once with CancellationError, and the transfer is
        // aborted within about a second (libcurl asks the progress callback), so a cancelled
        // long-poll or stream neither delays shutdown nor holds the client's next request up.
        let answer = Answer()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                guard answer.set(continuation) else { return }
                queue.async {
                    guard !answer.isAnswered else { return }  // cancelled before it started
                    answer.resume(with: Result { try transfer(answer) })
                }
            }
        } onCancel: {
            answer.resume(with: .failure(CancellationError()))
        }
    }

    // Long: one libcurl transfer, its options set in the order libcurl documents them, and its answer.
    private func perform(
        _ method: String, _ path: String, body: [UInt8]?, headers: [String: String], timeout: Duration?,
        answer: Answer, idle: Duration? = nil, lines: (@Sendable ([UInt8]) -> Void)? = nil
    ) throws -> HTTPResponse {
        let c = configuration
        let url = c.baseURL + path
        curl_easy_reset(handle)
        errorBuffer[0] = 0
        var list: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(list) }
        func check(_ code: CURLcode) throws {
            if code != CURLE_OK {
                throw HTTPTransportError(
                    code: Int(code.rawValue), message: String(cString: curl_easy_strerror(code)), url: url)
            }
        }
        try check(ccurl_setopt_string(handle, CURLOPT_URL, url))
        try check(ccurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1))
        try check(ccurl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer))
        try check(ccurl_setopt_string(handle, CURLOPT_USERAGENT, c.userAgent))
        try check(ccurl_setopt_string(handle, CURLOPT_ACCEPT_ENCODING, ""))  // gzip, deflate, ...
        try check(ccurl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(c.connectTimeout)))
        try check(ccurl_setopt_long(handle, CURLOPT_TIMEOUT_MS, Self.milliseconds(timeout ?? c.requestTimeout)))
        try check(ccurl_setopt_long(handle, CURLOPT_SSLVERSION, Int(CURL_SSLVERSION_TLSv1_2)))
        if let idle {
            try check(ccurl_setopt_long(handle, CURLOPT_LOW_SPEED_LIMIT, 1))
            try check(ccurl_setopt_long(handle, CURLOPT_LOW_SPEED_TIME, max(1, Self.milliseconds(idle) / 1000)))
        }
        if let socket = c.unixSocketPath {
            try check(ccurl_setopt_string(handle, CURLOPT_UNIX_SOCKET_PATH, socket))
            try check(ccurl_setopt_string(handle, CURLOPT_NOPROXY, "*"))
        }
        if let proxy = c.proxy { try check(ccurl_setopt_string(handle, CURLOPT_PROXY, proxy)) }
        if let ca = c.caFile { try check(ccurl_setopt_string(handle, CURLOPT_CAINFO, ca)) }
        if let cert = c.clientCertificate { try check(ccurl_setopt_string(handle, CURLOPT_SSLCERT, cert)) }
        if let key = c.clientKey { try check(ccurl_setopt_string(handle, CURLOPT_SSLKEY, key)) }

        var allHeaders = headers
        if let token = c.bearerToken { allHeaders["Authorization"] = "Bearer \(token)" }
        if body != nil && allHeaders["Content-Type"] == nil { allHeaders["Content-Type"] = "application/json" }
        allHeaders["Expect"] = ""  // no 100-continue round trip
        for (name, value) in allHeaders.sorted(by: { $0.key < $1.key }) {
            list = curl_slist_append(list, value.isEmpty ? "\(name):" : "\(name): \(value)")
        }
        try check(ccurl_setopt_slist(handle, CURLOPT_HTTPHEADER, list))

        switch method {
        case "GET": try check(ccurl_setopt_long(handle, CURLOPT_HTTPGET, 1))
        case "HEAD": try check(ccurl_setopt_long(handle, CURLOPT_NOBODY, 1))
        default: try check(ccurl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, method))
        }
        if let body {
            try check(ccurl_setopt_long(handle, CURLOPT_POST, 1))
            try check(ccurl_setopt_off_t(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)))
            var bytes = body.isEmpty ? [0] : body  // a valid pointer even for an empty body
            try bytes.withUnsafeMutableBytes { buffer in
                // COPYPOSTFIELDS copies, so the bytes need not outlive this call.
                try check(ccurl_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, buffer.baseAddress!))
            }
        }

        let sink = Sink(answer: answer, limit: c.maxBodyBytes)
        sink.lines = lines
        let context = Unmanaged.passUnretained(sink).toOpaque()
        try check(
            ccurl_setopt_write_function(handle) { data, size, count, context in
                let n = size * count
                guard let data, let context else { return n }
                // Anything but n makes libcurl stop the transfer (CURLE_WRITE_ERROR).
                return Unmanaged<Sink>.fromOpaque(context).takeUnretainedValue().received(
                    UnsafeRawBufferPointer(start: data, count: n).bindMemory(to: UInt8.self)) ? n : 0
            })
        try check(ccurl_setopt_pointer(handle, CURLOPT_WRITEDATA, context))
        try check(
            ccurl_setopt_header_function(handle) { data, size, count, context in
                let n = size * count
                guard let data, let context else { return n }
                let sink = Unmanaged<Sink>.fromOpaque(context).takeUnretainedValue()
                sink.header(UnsafeRawBufferPointer(start: data, count: n).bindMemory(to: UInt8.self))
                return n
            })
        try check(ccurl_setopt_pointer(handle, CURLOPT_HEADERDATA, context))
        try check(
            ccurl_setopt_xferinfo_function(handle) { context, _, _, _, _ in
                guard let context else { return 0 }
                return Unmanaged<Sink>.fromOpaque(context).takeUnretainedValue().answer.isAnswered ? 1 : 0
            })
        try check(ccurl_setopt_pointer(handle, CURLOPT_XFERINFODATA, context))
        try check(ccurl_setopt_long(handle, CURLOPT_NOPROGRESS, 0))

        let code = withExtendedLifetime(sink) { curl_easy_perform(handle) }
        if sink.overLimit {
            throw HTTPTransportError(
                code: Int(CURLE_WRITE_ERROR.rawValue),
                message: "the answer is larger than \(c.maxBodyBytes) bytes (maxBodyBytes); it was dropped", url: url)
        }
        guard code == CURLE_OK else {
            let detail = String(cString: errorBuffer)
            throw HTTPTransportError(
                code: Int(code.rawValue),
                message: detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail, url: url)
        }
        var status = 0, connects = 0
        _ = ccurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        _ = ccurl_getinfo_long(handle, CURLINFO_NUM_CONNECTS, &connects)
        return HTTPResponse(status: status, headers: sink.headers, body: sink.body, newConnections: connects)
    }

    static func milliseconds(_ d: Duration) -> Int {
        let (seconds, attoseconds) = d.components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }
}

/// Resumes a continuation once, whichever of the transfer and a cancellation comes first.
final class Answer: Sendable {
    private struct State {
        var continuation: CheckedContinuation<HTTPResponse, any Error>?
        var early: Result<HTTPResponse, any Error>?
        var answered = false
    }

    private let state = Mutex(State())

    /// The caller has its answer (a cancellation, say): a transfer still running is not wanted.
    var isAnswered: Bool { state.withLock { $0.answered } }

    /// Stores the continuation; returns false if a cancellation already answered it.
    func set(_ c: CheckedContinuation<HTTPResponse, any Error>) -> Bool {
        let early = state.withLock { s -> Result<HTTPResponse, any Error>? in
            if let early = s.early { return early }
            s.continuation = c
            return nil
        }
        guard let early else { return true }
        c.resume(with: early)
        return false
    }

    func resume(with result: Result<HTTPResponse, any Error>) {
        let c = state.withLock { s -> CheckedContinuation<HTTPResponse, any Error>? in
            if s.answered { return nil }
            s.answered = true
            guard let c = s.continuation else {
                s.early = result
                return nil
            }
            s.continuation = nil
            return c
        }
        c?.resume(with: result)
    }
}

/// Where the callbacks put the answer.
private final class Sink {
    let answer: Answer
    var body: [UInt8] = []
    var headers: [String: String] = [:]
    /// The status of the answer being received (from its status line).
    var status = 0
    /// Set for a streamed answer: whole lines of a 200 answer go here instead of `body`.
    var lines: (@Sendable ([UInt8]) -> Void)?
    private var splitter = LineSplitter()
    /// The most bytes a body (or a line not yet ended) may hold.
    let limit: Int
    /// The answer went over `limit` and was dropped.
    private(set) var overLimit = false

    init(answer: Answer, limit: Int) {
        self.answer = answer
        self.limit = limit
    }

    /// Takes a chunk of the answer; false (stop the transfer) when it would go over the limit.
    func received(_ data: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let lines, status == 200 else {
            guard body.count + data.count <= limit else {
                overLimit = true
                return false
            }
            body.append(contentsOf: data)
            return true
        }
        splitter.split(data, lines)
        guard splitter.partial.count <= limit else {
            overLimit = true
            return false
        }
        return true
    }

    /// One header line as libcurl hands it over (`Name: value\r\n`, or a status line that
    /// starts the headers of a new answer, after a proxy's CONNECT or a redirect). Names
    /// are kept in lower case; the value without surrounding white space.
    func header(_ line: UnsafeBufferPointer<UInt8>) {
        if line.starts(with: "HTTP/".utf8) {
            headers = [:]
            // `HTTP/1.1 200 OK`: the three digits after the first space.
            if let space = line.firstIndex(of: 0x20), space + 3 < line.count {
                status = line[space + 1...space + 3].reduce(0) { $0 * 10 + Int($1) - 0x30 }
            }
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return }
        func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0D || c == 0x0A }
        var start = colon + 1, end = line.count
        while start < end, isSpace(line[start]) { start += 1 }
        while end > start, isSpace(line[end - 1]) { end -= 1 }
        let name = String(
            decoding: line[..<colon].lazy.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
        headers[name] = String(decoding: UnsafeBufferPointer(rebasing: line[start..<end]), as: UTF8.self)
    }
}

/// Cuts a byte stream into lines (without their `\n`; empty lines are skipped), whatever
/// the chunks it arrives in.
struct LineSplitter {
    /// The start of a line whose end has not arrived yet.
    private(set) var partial: [UInt8] = []

    mutating func split(_ data: UnsafeBufferPointer<UInt8>, _ line: ([UInt8]) -> Void) {
        var start = 0
        while let newline = data[start...].firstIndex(of: 0x0A) {
            // Each line is handed over in an array of its own size (a buffer kept for reuse
            // would be copied, at its whole capacity, for every line).
            if partial.isEmpty {
                if newline > start { line(Array(data[start..<newline])) }
            } else {
                partial.append(contentsOf: data[start..<newline])
                line(partial)
                partial = []
            }
            start = newline + 1
        }
        if start < data.count { partial.append(contentsOf: data[start...]) }
    }
}
