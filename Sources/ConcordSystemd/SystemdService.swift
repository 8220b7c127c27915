import Logging
import ServiceLifecycle

/// Sends `READY=1` once the binary is serving, then `WATCHDOG=1` every half watchdog
/// interval until shutdown, when it sends `STOPPING=1`.
public struct SystemdService: Service {
    let notifier: SystemdNotifier
    let logger: Logger
    let ready: @Sendable () async -> String

    /// `ready` waits until the service is serving and returns the status line to show in
    /// `systemctl status`.
    public init(
        notifier: SystemdNotifier = SystemdNotifier(), logger: Logger, ready: @escaping @Sendable () async -> String
    ) {
        self.notifier = notifier
        self.logger = logger
        self.ready = ready
    }

    /// Waits for `ready`, tells systemd, feeds the watchdog until graceful shutdown, then says it is stopping.
    public func run() async throws {
        guard notifier.isActive else {
            try? await gracefulShutdown()
            return
        }
        let status = await ready()
        notifier.notify("READY=1\nSTATUS=\(status)")
        logger.debug("told systemd READY=1")
        if let interval = notifier.watchdogInterval {
            try? await cancelWhenGracefulShutdown {
                while true {
                    notifier.notify("WATCHDOG=1")
                    try await Task.sleep(for: interval)
                }
            }
        } else {
            try? await gracefulShutdown()
        }
        notifier.notify("STOPPING=1")
    }
}
