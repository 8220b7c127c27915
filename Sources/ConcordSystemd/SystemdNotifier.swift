#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Tells systemd how the service is doing, the way `sd_notify(3)` does, without libsystemd:
/// one datagram per message to the Unix socket named by `$NOTIFY_SOCKET`.
///
/// Environment keys (set by systemd): `NOTIFY_SOCKET` (a path, or `@name` for the abstract
/// namespace), `WATCHDOG_USEC` (the unit's `WatchdogSec=`), `WATCHDOG_PID`.
public struct SystemdNotifier: Sendable {
    /// The notification socket, or `nil` when not started by systemd with `Type=notify`.
    public let socketPath: String?
    /// How often to send `WATCHDOG=1`: half of `WATCHDOG_USEC`, or `nil` without a watchdog.
    public let watchdogInterval: Duration?

    /// Reads the environment of this process.
    public init() {
        func env(_ key: String) -> String? { getenv(key).map { String(cString: $0) } }
        self.init(
            notifySocket: env("NOTIFY_SOCKET"), watchdogMicroseconds: env("WATCHDOG_USEC"),
            watchdogPID: env("WATCHDOG_PID"))
    }

    /// A notifier from given values: an empty socket means none; a watchdog meant for another PID is ignored.
    public init(notifySocket: String?, watchdogMicroseconds: String? = nil, watchdogPID: String? = nil) {
        socketPath = notifySocket.flatMap { $0.isEmpty ? nil : $0 }
        let forUs = watchdogPID.flatMap { Int32($0) }.map { $0 == getpid() } ?? true
        if forUs, let usec = watchdogMicroseconds.flatMap(UInt64.init), usec > 0 {
            watchdogInterval = .microseconds(Int64(usec / 2))
        } else {
            watchdogInterval = nil
        }
    }

    /// Whether there is anyone to tell.
    public var isActive: Bool { socketPath != nil }

    /// Sends one message, e.g. `READY=1\nSTATUS=serving on :8443`. Returns whether it was sent.
    @discardableResult
    public func notify(_ message: String) -> Bool {
        guard let socketPath else { return false }
        #if canImport(Darwin)
            let fd = socket(AF_UNIX, SOCK_DGRAM, 0)
        #else
            let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #endif
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var pathBytes = Array(socketPath.utf8)
        if pathBytes.first == UInt8(ascii: "@") { pathBytes[0] = 0 }  // abstract namespace
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard pathBytes.count < capacity else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + pathBytes.count + (pathBytes.first == 0 ? 0 : 1))
        let bytes = Array(message.utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                bytes.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, 0, sa, length) }
            }
        }
        return sent == bytes.count
    }
}
