import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A small HTTP CONNECT proxy on 127.0.0.1 (an ephemeral port), standing in for an agency's
/// corporate proxy. It tunnels only to loopback and counts the tunnels it opened.
///
/// With `blackHole` set it behaves like a link whose packets vanish: nothing is refused or
/// closed, nothing moves (open tunnels stop forwarding, new requests get no answer) until
/// it is cleared, when everything held moves on as after a healed partition.
public final class ConnectProxy: @unchecked Sendable {
    /// The loopback port it listens on.
    public let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var tunnels = 0
    private var stopped = false
    private var holding = false

    /// Whether the link is down (packets dropped, nothing refused).
    public var blackHole: Bool {
        get { lock.withLock { holding } }
        set { lock.withLock { holding = newValue } }
    }

    /// Waits (a test helper's poll) while the link is down.
    private func waitForLink() {
        while blackHole && !lock.withLock({ stopped }) { usleep(10_000) }
    }

    /// Starts listening on an ephemeral loopback port, accepting on a thread of its own.
    public init() throws {
        (listener, port) = try listenOnLoopback(backlog: 16, what: "proxy")
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    /// The tunnels opened so far.
    public var tunnelCount: Int { lock.withLock { tunnels } }

    /// `http://127.0.0.1:PORT`, for a client's proxy setting.
    public var url: String { "http://127.0.0.1:\(port)" }

    /// Stops accepting connections; tunnels already open run on until a side closes.
    public func stop() {
        lock.withLock { stopped = true }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if lock.withLock({ stopped }) { return }
                continue
            }
            Thread.detachNewThread { [self] in handle(client) }
        }
    }

    private func handle(_ client: Int32) {
        var request: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !request.ends(with: [13, 10, 13, 10]) {
            let n = read(client, &buffer, 1)
            guard n == 1 else {
                close(client)
                return
            }
            request.append(buffer[0])
            if request.count > 8192 {
                close(client)
                return
            }
        }
        waitForLink()
        let line = String(decoding: request, as: UTF8.self).split(separator: "\r\n").first ?? ""
        let parts = line.split(separator: " ")
        guard parts.count >= 2, parts[0] == "CONNECT", let colon = parts[1].lastIndex(of: ":"),
            let targetPort = UInt16(parts[1][parts[1].index(after: colon)...]),
            ["127.0.0.1", "localhost"].contains(String(parts[1][..<colon]))
        else {
            _ = write(client, "HTTP/1.1 403 Forbidden\r\n\r\n", 26)
            close(client)
            return
        }
        guard let upstream = try? connectToLoopback(port: Int(targetPort)) else {
            _ = write(client, "HTTP/1.1 502 Bad Gateway\r\n\r\n", 28)
            close(client)
            return
        }
        lock.withLock { tunnels += 1 }
        let ok = "HTTP/1.1 200 Connection established\r\n\r\n"
        _ = write(client, ok, ok.utf8.count)
        Thread.detachNewThread { [self] in pump(from: upstream, to: client) }
        pump(from: client, to: upstream)
    }

    private func pump(from source: Int32, to destination: Int32) {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(source, &buffer, buffer.count)
            if n <= 0 { break }
            waitForLink()
            var sent = 0
            while sent < n {
                let m = buffer[sent..<n].withUnsafeBytes { write(destination, $0.baseAddress, $0.count) }
                if m <= 0 { break }
                sent += m
            }
        }
        shutdown(destination, Int32(SHUT_WR))
        shutdown(source, Int32(SHUT_RD))
    }
}

extension Array where Element == UInt8 {
    fileprivate func ends(with suffix: [UInt8]) -> Bool {
        count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix
    }
}

/// A TCP socket listening on 127.0.0.1 on an ephemeral port, for the test servers.
public func listenOnLoopback(backlog: Int32, what: String) throws -> (socket: Int32, port: Int) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var yes: Int32 = 1
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
    }
    guard bound == 0, listen(fd, backlog) == 0 else {
        close(fd)
        throw ChildError("\(what): cannot listen on 127.0.0.1")
    }
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return (fd, Int(UInt16(bigEndian: address.sin_port)))
}

/// A TCP connection to 127.0.0.1:`port`; throws when nothing accepts it.
public func connectToLoopback(port: Int) throws -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(port).bigEndian
    let connected = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    guard connected == 0 else {
        close(fd)
        throw ChildError("cannot connect to 127.0.0.1:\(port)")
    }
    return fd
}

/// A flag set once, read from any thread or task.
public final class Flag: Sendable {
    private let value = Mutex(false)
    /// A flag not set yet.
    public init() {}
    /// Whether it has been set.
    public var isSet: Bool { value.withLock { $0 } }
    /// Sets it.
    public func set() { value.withLock { $0 = true } }
}
