import ConcordCodec
import ConcordCore
import Dispatch
import Logging
import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Serves the control API on a Unix socket (mode 0660, for the agency's group).
///
/// An accept thread, and a thread per connection doing blocking reads and writes; each
/// request is handed to `handler` on Swift's concurrency pool. Connections are few (one per
/// `concordctl` call) and this keeps the agent free of an event-loop stack: SwiftNIO and
/// Hummingbird were a third of the agent's resident code (docs/benchmarks.md).
///
/// Limits: 64 connections at once (more get a 503), 10 s to send each request (counted from
/// when the server starts waiting for it, so an idle keep-alive connection is closed after
/// 10 s too), heads of 16 KiB, bodies of 1 MiB. An error answer that ends a connection is
/// followed by a lingering close, so the client reads the answer rather than a reset. On
/// graceful shutdown the socket file is removed, no new connection is taken, idle connections
/// and requests not yet fully received are closed, and requests being handled get up to 5 s
/// to be answered (with `Connection: close`).
public final class ControlServer: Service, Sendable {
    /// Answers one request; called on Swift's concurrency pool, it never throws.
    public typealias Handler = @Sendable (ControlRequest) async -> ControlResponse

    /// How long requests being handled at shutdown get to be answered, in seconds.
    public static let drainSeconds = 5

    let path: String
    let maxConnections: Int
    let idleTimeoutSeconds: Int
    let handler: Handler
    let logger: Logger
    let onRunning: @Sendable () async -> Void
    let state = Mutex(State())
    /// Woken whenever a connection ends: the drain waits on it.
    let connectionEnded = WakeSignal()

    struct State {
        var listener: Int32 = -1
        var socketFile: (dev: UInt64, ino: UInt64)?
        var connections: Set<Int32> = []
        var stopping = false
    }

    /// Serves `path`; connections over `maxConnections` get a 503; `onRunning` is called once it listens.
    public init(
        path: String, logger: Logger, maxConnections: Int = 64, idleTimeoutSeconds: Int = 10,
        onRunning: @escaping @Sendable () async -> Void = {}, handler: @escaping Handler
    ) {
        self.path = path
        self.maxConnections = maxConnections
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.logger = logger
        self.onRunning = onRunning
        self.handler = handler
    }

    /// Listens until graceful shutdown, then drains; throws when the socket cannot be opened or served.
    public func run() async throws {
        let (listener, file) = try Self.openSocket(path)
        state.withLock {
            $0.listener = listener
            $0.socketFile = file
        }
        guard Self.startThread({ self.acceptLoop(listener) }) else {
            let message = Self.errnoText()
            stop()
            close(listener)
            throw AgentError.config("could not start the control socket's thread: \(message)")
        }
        await onRunning()
        try? await gracefulShutdown()
        stop()
        let deadline = ContinuousClock.now + .seconds(Self.drainSeconds)
        while !Task.isCancelled {  // cancelled: stop waiting
            let seen = connectionEnded.generation
            let left = ContinuousClock.now.duration(to: deadline)
            guard state.withLock({ !$0.connections.isEmpty }), left > .zero else { break }
            await connectionEnded.wait(after: seen, timeout: left)
        }
        let left = state.withLock { $0.connections.count }
        if left > 0 {
            logger.warning("control socket: stopped with connections still open", metadata: ["connections": "\(left)"])
        }
    }

    /// Stops taking connections, removes the socket file and ends idle connections; a request
    /// being handled is answered (with `Connection: close`).
    func stop() {
        state.withLock { s in
            guard !s.stopping else { return }
            s.stopping = true
            if s.listener >= 0 { shutdown(s.listener, Int32(SHUT_RDWR)) }
            // Under the lock: a connection leaves the set before its descriptor is closed,
            // so no reused descriptor number is ever shut down here.
            for fd in s.connections { shutdown(fd, Int32(SHUT_RD)) }
            var st = stat()
            if let file = s.socketFile, lstat(path, &st) == 0, UInt64(st.st_dev) == file.dev,
                UInt64(st.st_ino) == file.ino
            {
                unlink(path)
            }
        }
    }

    /// Binds the socket. A socket file nobody serves (left by an agent that did not stop
    /// cleanly) is replaced; one that answers, or any other file, is left alone.
    static func openSocket(_ path: String) throws -> (Int32, (dev: UInt64, ino: UInt64)) {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        let bytes = Array(path.utf8)
        guard !bytes.isEmpty, bytes.count < capacity else {
            throw AgentError.config(
                "control socket path \(path) is \(bytes.count) bytes; a Unix socket path has at most \(capacity - 1). Set a shorter \"socket\" in agent.json (or CONCORD_AGENT_SOCKET)"
            )
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let addressSize = socklen_t(MemoryLayout<sockaddr_un>.size)
        func withAddress(_ body: (UnsafePointer<sockaddr>) -> Int32) -> Int32 {
            withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1, body) }
        }
        func newSocket() -> Int32 { socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }

        var st = stat()
        if lstat(path, &st) == 0 {
            guard st.st_mode & S_IFMT == S_IFSOCK else {
                throw AgentError.config("\(path) exists and is not a socket; move it away or set another \"socket\"")
            }
            let probe = newSocket()
            let served = probe >= 0 && withAddress { connect(probe, $0, addressSize) } == 0
            if probe >= 0 { close(probe) }
            if served {
                throw AgentError.config(
                    "another process is serving the control socket \(path); is another agent configured with the same \"socket\"?"
                )
            }
            unlink(path)
        }
        let fd = newSocket()
        guard fd >= 0 else { throw AgentError.config("cannot create the control socket: \(errnoText())") }
        guard withAddress({ bind(fd, $0, addressSize) }) == 0 else {
            let message = errnoText()
            close(fd)
            throw AgentError.config("cannot listen on the control socket \(path): \(message)")
        }
        guard chmod(path, 0o660) == 0, listen(fd, 64) == 0, lstat(path, &st) == 0 else {
            let message = errnoText()
            close(fd)
            unlink(path)
            throw AgentError.config("cannot listen on the control socket \(path): \(message)")
        }
        return (fd, (UInt64(st.st_dev), UInt64(st.st_ino)))
    }

    func acceptLoop(_ listener: Int32) {
        var lastLogged = ContinuousClock.now - .seconds(60)
        while true {
            let fd = accept(listener, nil, nil)
            if fd < 0 {
                let error = errno
                if state.withLock({ $0.stopping }) { break }
                if error == EINTR || error == ECONNABORTED { continue }
                // Out of descriptors or memory: say so (every 10 s at most), try again shortly.
                if ContinuousClock.now - lastLogged > .seconds(10) {
                    logger.error("control socket: accept failed", metadata: ["error": "\(Self.errnoText(error))"])
                    lastLogged = ContinuousClock.now
                }
                usleep(100_000)
                continue
            }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            // An answer may wait a minute for its reader (`curl … | less`); reads have deadlines.
            var sendTimeout = timeval(tv_sec: 60, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &sendTimeout, socklen_t(MemoryLayout<timeval>.size))
            let refusal = state.withLock { (s: inout State) -> String? in
                if s.stopping { return "the agent is stopping; try again when it is back" }
                guard s.connections.count < maxConnections else {
                    return "the agent is serving \(maxConnections) connections already; try again"
                }
                s.connections.insert(fd)
                return nil
            }
            if let refusal {
                refuse(fd, refusal)
                continue
            }
            if !Self.startThread({ self.serve(fd) }) {
                logger.error("control socket: no thread for a connection", metadata: ["error": "\(Self.errnoText())"])
                state.withLock { _ = $0.connections.remove(fd) }
                close(fd)
                connectionEnded.wake()
            }
        }
        close(listener)
    }

    /// A 503, after reading what the client has sent (briefly: this is the accept thread), so
    /// it is not cut off mid-request and reads the answer.
    func refuse(_ fd: Int32, _ message: String) {
        var received: [UInt8] = []
        let deadline = ContinuousClock.now + .milliseconds(200)
        while ControlRequestHead.headEnd(received[...]) == nil, received.count <= ControlRequestHead.maxHeadBytes,
            Self.read(fd, into: &received, deadline: deadline)
        {}
        _ = Self.write(fd, ControlJSON.error(status: 503, code: "http503", message: message), close: true)
        Self.lingeringClose(fd, for: .milliseconds(200))
    }

    /// One connection: requests in turn until the client closes, asks to, or goes quiet.
    func serve(_ fd: Int32) {
        var lingering = false
        defer {
            state.withLock { _ = $0.connections.remove(fd) }
            if lingering { Self.lingeringClose(fd, for: .seconds(1)) } else { close(fd) }
            connectionEnded.wake()
        }
        var buffer: [UInt8] = []
        while true {
            // The whole request must arrive within the timeout, counted from now.
            let deadline = ContinuousClock.now + .seconds(idleTimeoutSeconds)
            let head: ControlRequestHead
            let used: Int
            do {
                while true {
                    if let parsed = try ControlRequestHead.parse(buffer[...]) {
                        (head, used) = parsed
                        break
                    }
                    guard Self.read(fd, into: &buffer, deadline: deadline) else { return }
                }
            } catch {
                _ = Self.write(fd, ControlJSON.error(error), close: true)
                lingering = true
                return
            }
            if head.expectContinue && buffer.count - used < head.contentLength {
                guard Self.write(fd, Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)) else { return }
            }
            while buffer.count - used < head.contentLength {
                guard Self.read(fd, into: &buffer, deadline: deadline) else { return }
            }
            let body = Array(buffer[used..<(used + head.contentLength)])
            buffer.removeFirst(used + head.contentLength)
            let response: ControlResponse
            do {
                let request = try head.request(body: body)
                response = Self.wait { [handler] in await handler(request) }
            } catch {
                response = ControlJSON.error(error)
            }
            let closing = !head.keepAlive || state.withLock { $0.stopping }
            let written = Self.write(fd, response, close: closing, http10KeepAlive: head.http10 && !closing)
            guard written, !closing else { return }
        }
    }

    /// Appends what the socket has; false at end of stream, at the deadline, or on an error.
    static func read(_ fd: Int32, into buffer: inout [UInt8], deadline: ContinuousClock.Instant) -> Bool {
        let left = deadline - ContinuousClock.now
        guard left > .zero else { return false }
        let (seconds, attoseconds) = left.components
        var timeout = timeval(tv_sec: Int(seconds), tv_usec: max(1, Int(attoseconds / 1_000_000_000_000)))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return withUnsafeTemporaryAllocation(byteCount: 16 * 1024, alignment: 1) { chunk in
            var n: Int
            repeat { n = recv(fd, chunk.baseAddress, chunk.count, 0) } while n < 0 && errno == EINTR
            guard n > 0 else { return false }
            buffer.append(contentsOf: chunk[..<n])
            return true
        }
    }

    /// The head, then the body from where it is (a large body is not copied).
    static func write(_ fd: Int32, _ response: ControlResponse, close: Bool, http10KeepAlive: Bool = false) -> Bool {
        write(fd, response.head(close: close, keepAlive: http10KeepAlive)) && write(fd, response.body)
    }

    static func write(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes {
                send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            offset += n
        }
        return true
    }

    /// Ends a connection after an answer the client may still be sending into: no more writes,
    /// then what it sends is read and dropped (for `time`, or 2 MiB) before the close, so its
    /// last writes do not turn into a reset that loses the answer.
    static func lingeringClose(_ fd: Int32, for time: Duration) {
        shutdown(fd, Int32(SHUT_WR))
        let deadline = ContinuousClock.now + time
        var discard: [UInt8] = []
        while discard.count < 2 << 20, read(fd, into: &discard, deadline: deadline) {}
        close(fd)
    }

    /// Runs `body` on the concurrency pool and blocks this (non-pool) thread until it is done.
    static func wait<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
        let result = Completion<T>()
        Task { result.finish(await body()) }
        return result.wait()
    }

    final class Completion<T: Sendable>: @unchecked Sendable {
        // Written once before `signal`, read after `wait`: the semaphore orders the two.
        private var value: T?
        private let done = DispatchSemaphore(value: 0)

        func finish(_ v: T) {
            value = v
            done.signal()
        }

        func wait() -> T {
            done.wait()
            return value!
        }
    }

    /// A detached thread with a small stack (its work is parsing; handlers run on the pool).
    static func startThread(_ body: @escaping @Sendable () -> Void) -> Bool {
        final class Body {
            let run: @Sendable () -> Void
            init(_ run: @escaping @Sendable () -> Void) { self.run = run }
        }
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        pthread_attr_setstacksize(&attributes, 512 * 1024)
        let context = Unmanaged.passRetained(Body(body)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(
            &thread, &attributes,
            { context in
                let body = Unmanaged<Body>.fromOpaque(context!).takeRetainedValue()
                body.run()
                return nil
            }, context)
        if rc != 0 {
            Unmanaged<Body>.fromOpaque(context).release()
            errno = rc
            return false
        }
        return true
    }

    static func errnoText(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }
}
