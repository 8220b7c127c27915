import Foundation

/// Tells waiting long-polls that the change sequence moved past the point they have seen.
public actor ChangeFeed {
    private var latest: Int64
    private var waiters: [Int: (beyond: Int64, continuation: CheckedContinuation<Void, Never>)] = [:]
    private var nextID = 0
    private var closed = false

    public init(latest: Int64) {
        self.latest = latest
    }

    /// The number of requests waiting now (a metric).
    public var waiting: Int { waiters.count }

    /// Nothing was published after `seq`.
    public func isCaughtUp(_ seq: Int64) -> Bool { seq == latest }

    /// The hub is shutting down.
    public var isClosed: Bool { closed }

    /// Records that the sequence reached `seq` and wakes everyone waiting for less.
    public func publish(_ seq: Int64) {
        guard seq > latest else { return }
        latest = seq
        for (id, waiter) in waiters where waiter.beyond < seq {
            waiters[id] = nil
            waiter.continuation.resume()
        }
    }

    /// Returns once the sequence is past `seq`, after `timeout`, or on cancellation,
    /// whichever comes first.
    public func wait(beyond seq: Int64, timeout: Duration) async {
        if latest > seq || timeout <= .zero || closed { return }
        let id = nextID
        nextID += 1
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                waiters[id] = (seq, continuation)
                Task { [weak self] in
                    try? await Task.sleep(for: timeout)
                    await self?.expire(id)
                }
            }
        } onCancel: {
            Task { await self.expire(id) }
        }
    }

    /// Ends every wait now and every later one at once: the hub is shutting down, and
    /// long-polls must not hold the drain up.
    public func close() {
        closed = true
        for waiter in waiters.values { waiter.continuation.resume() }
        waiters = [:]
    }

    private func expire(_ id: Int) {
        waiters.removeValue(forKey: id)?.continuation.resume()
    }
}
