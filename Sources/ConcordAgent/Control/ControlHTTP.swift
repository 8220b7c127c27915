/// The small HTTP/1.1 the control socket speaks: requests from `concordctl` (libcurl), or
/// `curl --unix-socket`. Parsing is pure, so it is tested on bytes; `ControlServer` does
/// the socket work.
///
/// What is accepted: a request line and headers of at most 16 KiB, a body given by
/// `Content-Length` (at most 1 MiB), `Expect: 100-continue`, keep-alive (HTTP/1.1's default,
/// `Connection: close` to end) and pipelined requests. Chunked request bodies are refused
/// with 411: every client of the control API knows its body's length.
public struct ControlRequest: Sendable {
    /// The request method as sent, e.g. `GET`; routing refuses unknown ones.
    public var method: String
    /// The path as sent (still percent-encoded), for messages.
    public var path: String
    /// The path's segments, percent-decoded.
    public var segments: [String]
    /// Query parameters, percent-decoded; the last one wins when a name repeats.
    public var query: [String: String]
    /// The body, exactly `Content-Length` bytes; empty when there is none.
    public var body: [UInt8]

    /// A request with these parts, already decoded.
    public init(method: String, path: String, segments: [String], query: [String: String], body: [UInt8]) {
        self.method = method
        self.path = path
        self.segments = segments
        self.query = query
        self.body = body
    }
}

/// An answer of the control API: a status and a body, written with `Content-Length`.
public struct ControlResponse: Sendable {
    /// The HTTP status code.
    public var status: Int
    /// The body's bytes, usually JSON.
    public var body: [UInt8]
    /// The `Content-Type` header; JSON unless set otherwise.
    public var contentType = "application/json"

    /// An answer with `status` and `body`, as JSON.
    public init(status: Int, body: [UInt8]) {
        self.status = status
        self.body = body
    }

    /// The status line and headers; `close` adds `Connection: close`, `keepAlive` (for an
    /// HTTP/1.0 client that asked for it) `Connection: keep-alive`.
    func head(close: Bool, keepAlive: Bool = false) -> [UInt8] {
        var head = "HTTP/1.1 \(status) \(Self.reason(status))\r\n"
        head += "Content-Type: \(contentType)\r\nContent-Length: \(body.count)\r\nServer: concord-agent\r\n"
        if close { head += "Connection: close\r\n" } else if keepAlive { head += "Connection: keep-alive\r\n" }
        head += "\r\n"
        return Array(head.utf8)
    }

    static func reason(_ status: Int) -> String {
        switch status {
        case 100: "Continue"
        case 200: "OK"
        case 400: "Bad Request"
        case 404: "Not Found"
        case 411: "Length Required"
        case 422: "Unprocessable Content"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 503: "Service Unavailable"
        case 505: "HTTP Version Not Supported"
        default: "Status"
        }
    }
}

/// A request head that could not be accepted: answered with `status` and the connection closed.
public struct ControlHTTPError: Error, Equatable, Sendable {
    /// The HTTP status to answer with: 400, 411, 431 or 505.
    public var status: Int
    /// The error body's code, e.g. `badRequest` or `http431`.
    public var code: String
    /// What was wrong with the request, for the client.
    public var message: String
}

/// A parsed request line and headers.
public struct ControlRequestHead: Equatable, Sendable {
    /// The longest request line and headers accepted, in bytes (16 KiB); longer gets a 431.
    public static let maxHeadBytes = 16 * 1024
    /// The longest body accepted, in bytes (1 MiB); longer gets a 400.
    public static let maxBodyBytes = 1 << 20

    /// The request method, a token such as `GET`.
    public var method: String
    /// The request target as sent: path and query, still percent-encoded.
    public var target: String
    /// The body's length in bytes from `Content-Length`; 0 when there is no such header.
    public var contentLength: Int
    /// Keep the connection open after answering: HTTP/1.1's default, unless `Connection` says otherwise.
    public var keepAlive: Bool
    /// The client sent `Expect: 100-continue` (over HTTP/1.1) and waits for it before the body.
    public var expectContinue: Bool
    /// The request is HTTP/1.0: keep-alive must then be confirmed in the answer.
    public var http10 = false

    /// Parses the head at the start of `bytes`. Returns nil while the blank line ending it
    /// has not arrived; otherwise the head and how many bytes it took.
    // Long: the request head's grammar, line by line, each refusal next to the rule it enforces.
    public static func parse(_ bytes: ArraySlice<UInt8>) throws(ControlHTTPError) -> (ControlRequestHead, Int)? {
        guard let end = headEnd(bytes) else {
            if bytes.count > maxHeadBytes { throw tooLarge }
            return nil
        }
        if end + 1 - bytes.startIndex > maxHeadBytes { throw tooLarge }
        var lines = bytes[bytes.startIndex..<end].split(separator: 0x0A, omittingEmptySubsequences: false).map {
            $0.last == 0x0D ? $0.dropLast() : $0
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        // Robustness (RFC 9112 §2.2): blank lines before the request line are ignored.
        while lines.first?.isEmpty == true { lines.removeFirst() }
        guard let requestLine = lines.first else { throw bad("the request has no request line") }
        let parts = requestLine.split(separator: 0x20, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty,
            parts[0].allSatisfy(isTokenByte), parts[1].first == 0x2F,
            parts[1].allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        else { throw bad("malformed request line; expected METHOD /path HTTP/1.1") }
        let version = String(decoding: parts[2], as: UTF8.self)
        guard version == "HTTP/1.1" || version == "HTTP/1.0" else {
            throw ControlHTTPError(
                status: 505, code: "http505",
                message: "only HTTP/1.1 and HTTP/1.0 are spoken here, not \(version.prefix(20))")
        }
        var head = ControlRequestHead(
            method: String(decoding: parts[0], as: UTF8.self), target: String(decoding: parts[1], as: UTF8.self),
            contentLength: 0, keepAlive: version == "HTTP/1.1", expectContinue: false, http10: version == "HTTP/1.0")
        var length: Int?
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: 0x3A), colon > line.startIndex,
                !line[line.startIndex..<colon].contains(where: { $0 == 0x20 || $0 == 0x09 })
            else { throw bad("malformed header line") }
            let name = String(decoding: line[line.startIndex..<colon], as: UTF8.self).lowercased()
            let value = trimmed(line[(colon + 1)...])
            switch name {
            case "content-length":
                guard !value.isEmpty, value.count <= 18, value.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                    let n = Int(String(decoding: value, as: UTF8.self))
                else { throw bad("Content-Length is not a number") }
                if let length, length != n { throw bad("two different Content-Length headers") }
                length = n
            case "transfer-encoding":
                throw ControlHTTPError(
                    status: 411, code: "http411",
                    message: "send the body with a Content-Length; chunked request bodies are not accepted")
            case "connection":
                let tokens = String(decoding: value, as: UTF8.self).lowercased().split(separator: ",").map {
                    $0.trimmingSpaces
                }
                if tokens.contains("close") { head.keepAlive = false }
                if tokens.contains("keep-alive") { head.keepAlive = true }
            case "expect":
                // HTTP/1.0 has no interim answers (RFC 9110 §10.1.1).
                if String(decoding: value, as: UTF8.self).lowercased() == "100-continue" && !head.http10 {
                    head.expectContinue = true
                }
            default: break
            }
        }
        head.contentLength = length ?? 0
        if head.contentLength > maxBodyBytes {
            throw ControlHTTPError(status: 400, code: "badRequest", message: "the request body is over 1 MiB")
        }
        return (head, end + 1 - bytes.startIndex)
    }

    /// A method is a token (RFC 9110 §5.6.2); unknown ones are for routing to refuse (404).
    static func isTokenByte(_ c: UInt8) -> Bool {
        switch c {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: true
        default: Array("!#$%&'*+-.^_`|~".utf8).contains(c)
        }
    }

    /// The index of the `\n` of the blank line ending the head (`\r\n\r\n` or `\n\n`).
    static func headEnd(_ bytes: ArraySlice<UInt8>) -> Int? {
        var i = bytes.startIndex
        var sawContent = false
        while let nl = bytes[i...].firstIndex(of: 0x0A) {
            let lineIsEmpty = nl == i || (nl == i + 1 && bytes[i] == 0x0D)
            if lineIsEmpty && sawContent { return nl }
            if !lineIsEmpty { sawContent = true }
            i = nl + 1
        }
        return nil
    }

    static func trimmed(_ s: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var s = s
        while let f = s.first, f == 0x20 || f == 0x09 { s.removeFirst() }
        while let l = s.last, l == 0x20 || l == 0x09 { s.removeLast() }
        return s
    }

    static func bad(_ message: String) -> ControlHTTPError {
        ControlHTTPError(status: 400, code: "badRequest", message: message)
    }

    static let tooLarge = ControlHTTPError(
        status: 431, code: "http431", message: "the request line and headers are over 16 KiB")

    /// The request for this head and its body: the target split into decoded path
    /// segments and query parameters.
    public func request(body: [UInt8]) throws(ControlHTTPError) -> ControlRequest {
        let question = target.firstIndex(of: "?")
        let path = String(target[..<(question ?? target.endIndex)])
        var segments: [String] = []
        for raw in path.split(separator: "/", omittingEmptySubsequences: true) {
            guard let s = Self.percentDecoded(raw) else { throw Self.bad("malformed percent-encoding in the path") }
            segments.append(s)
        }
        var query: [String: String] = [:]
        if let question {
            for pair in target[target.index(after: question)...].split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard let name = Self.percentDecoded(kv[0]), let value = Self.percentDecoded(kv.count > 1 ? kv[1] : "")
                else { throw Self.bad("malformed percent-encoding in the query") }
                query[name] = value
            }
        }
        return ControlRequest(method: method, path: path, segments: segments, query: query, body: body)
    }

    /// `%XX` decoded (a `+` stays a `+`); nil for a bad escape or bytes that are not UTF-8.
    static func percentDecoded(_ s: Substring) -> String? {
        guard s.contains("%") else { return String(s) }
        var out: [UInt8] = []
        var bytes = s.utf8[...]
        while let b = bytes.popFirst() {
            if b != 0x25 {
                out.append(b)
                continue
            }
            guard bytes.count >= 2, let hi = hexValue(bytes.removeFirst()), let lo = hexValue(bytes.removeFirst())
            else { return nil }
            out.append(hi << 4 | lo)
        }
        return String(validating: out, as: UTF8.self)
    }

    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x41...0x46: c - 0x41 + 10
        case 0x61...0x66: c - 0x61 + 10
        default: nil
        }
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var s = self
        while s.first == " " || s.first == "\t" { s.removeFirst() }
        while s.last == " " || s.last == "\t" { s.removeLast() }
        return s
    }
}
