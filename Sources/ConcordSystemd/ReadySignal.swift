/// Lets the systemd notifier wait until the service listens: fired once with the status
/// line for `systemctl status`, awaited by `SystemdService`.
public actor ReadySignal {
    private var status: String?
    private var waiters: [CheckedContinuation<String, Never>] = []

    /// A signal not yet fired.
    public init() {}

    /// Marks the service ready with `status`, waking every waiter; later waits return at once.
    public func fire(_ status: String) {
        self.status = status
        for waiter in waiters { waiter.resume(returning: status) }
        waiters = []
    }

    /// Waits until the signal is fired and returns its status line.
    public func wait() async -> String {
        if let status { return status }
        return await withCheckedContinuation { waiters.append($0) }
    }
}
