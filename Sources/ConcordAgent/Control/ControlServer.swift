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
/// Limits: 64 connections at once (more get a 503), a connection idle (or a request stalled)
/// for 10 s is closed, heads of 16 KiB, bodies of 1 MiB. On graceful shutdown the socket file
/// is removed, no new connection is taken, requests in progress get up to 5 s to finish, and
/// idle keep-alive connections are closed.
public final class ControlServer: Service, Sendable {
    public typealias Handler = @Sendable (ControlRequest) async -> ControlResponse

    public static let drainSeconds = 5

    let path: String
    let maxConnections: Int
    let idleTimeoutSeconds: Int
    let handler: Handler
    let logger: Logger
    let onRunning: @Sendable () async -> Void
    let state = Mutex(State())

    struct State {
        var listener: Int32 = -1
        var socketFile: (dev: UInt64, ino: UInt64)?
        var connections: Set<Int32> = []
        var stopping = false
    }

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

    public func run() async throws {
        let (listener, file) = try Self.openSocket(path)
        state.withLock {
            $0.listener = listener
            $0.socketFile = file
        }
        guard Self.startThread({ self.acceptLoop(listener) }) else {
            close(listener)
            throw AgentError.config("could not start the control socket's thread: \(Self.errnoText())")
        }
        await onRunning()
        try? await gracefulShutdown()
        stop()
        let deadline = ContinuousClock.now + .seconds(Self.drainSeconds)
        while state.withLock({ !$0.connections.isEmpty }) && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
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

    /// Binds the socket, replacing a socket file left by an agent that did not stop cleanly
    /// (the store's lock is already held, so no other agent is serving it).
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
        var st = stat()
        if lstat(path, &st) == 0 {
            guard st.st_mode & S_IFMT == S_IFSOCK else {
                throw AgentError.config("\(path) exists and is not a socket; move it away or set another \"socket\"")
            }
            unlink(path)
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw AgentError.config("cannot create the control socket: \(errnoText())") }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0, chmod(path, 0o660) == 0, listen(fd, 64) == 0, lstat(path, &st) == 0 else {
            let message = errnoText()
            close(fd)
            throw AgentError.config("cannot listen on the control socket \(path): \(message)")
        }
        return (fd, (UInt64(st.st_dev), UInt64(st.st_ino)))
    }

    func acceptLoop(_ listener: Int32) {
        while true {
            let fd = accept(listener, nil, nil)
            if fd < 0 {
                let error = errno
                if state.withLock({ $0.stopping }) { break }
                if error == EINTR || error == ECONNABORTED { continue }
                // Out of descriptors or memory: say so, and try again shortly.
                logger.error("control socket: accept failed", metadata: ["error": "\(Self.errnoText(error))"])
                usleep(100_000)
                continue
            }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            var timeout = timeval(tv_sec: idleTimeoutSeconds, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            let admitted = state.withLock { (s: inout State) -> Bool in
                guard !s.stopping, s.connections.count < maxConnections else { return false }
                s.connections.insert(fd)
                return true
            }
            guard admitted else {
                let busy = ControlJSON.error(
                    status: 503, code: "http503",
                    message: "the agent is serving \(maxConnections) connections already; try again")
                _ = Self.write(fd, busy.serialized(close: true))
                close(fd)
                continue
            }
            if !Self.startThread({ self.serve(fd) }) {
                logger.error("control socket: no thread for a connection", metadata: ["error": "\(Self.errnoText())"])
                state.withLock { _ = $0.connections.remove(fd) }
                close(fd)
            }
        }
        close(listener)
    }

    /// One connection: requests in turn until the client closes, asks to, or goes quiet.
    func serve(_ fd: Int32) {
        defer {
            state.withLock { _ = $0.connections.remove(fd) }
            close(fd)
        }
        var buffer: [UInt8] = []
        while true {
            let head: ControlRequestHead
            let used: Int
            do {
                while true {
                    if let parsed = try ControlRequestHead.parse(buffer[...]) {
                        (head, used) = parsed
                        break
                    }
                    guard Self.read(fd, into: &buffer) else { return }
                }
            } catch {
                _ = Self.write(fd, ControlJSON.error(error).serialized(close: true))
                return
            }
            if head.expectContinue && buffer.count - used < head.contentLength {
                guard Self.write(fd, Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)) else { return }
            }
            while buffer.count - used < head.contentLength {
                guard Self.read(fd, into: &buffer) else { return }
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
            guard Self.write(fd, response.serialized(close: closing)), !closing else { return }
        }
    }

    /// Appends what the socket has; false at end of stream, on a timeout or an error.
    static func read(_ fd: Int32, into buffer: inout [UInt8]) -> Bool {
        withUnsafeTemporaryAllocation(byteCount: 16 * 1024, alignment: 1) { chunk in
            var n: Int
            repeat { n = recv(fd, chunk.baseAddress, chunk.count, 0) } while n < 0 && errno == EINTR
            guard n > 0 else { return false }
            buffer.append(contentsOf: chunk[..<n])
            return true
        }
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
