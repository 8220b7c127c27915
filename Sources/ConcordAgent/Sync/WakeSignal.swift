import Synchronization

/// An event that tasks wait for, instead of polling: every `wake()` resumes every waiter.
///
/// Each wake moves a generation on. A caller reads `generation` before doing something
/// and waits with `wait(after:)`: a wake that came in between is not missed.
final class WakeSignal: Sendable {
    private struct State {
        var generation = 0
        var nextWaiter = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        /// Waiters cancelled before they were stored.
        var cancelled: Set<Int> = []
    }
    private let state = Mutex(State())

    init() {}

    /// How many wakes there have been.
    var generation: Int { state.withLock { $0.generation } }

    /// Resumes every waiter.
    func wake() {
        let waiters = state.withLock { s in
            s.generation += 1
            defer { s.waiters = [:] }
            return s.waiters
        }
        for waiter in waiters.values { waiter.resume() }
    }

    /// Returns once the generation has passed `seen` (at once if it already has), or when
    /// the task is cancelled.
    func wait(after seen: Int) async {
        let id = state.withLock { s in
            s.nextWaiter += 1
            return s.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { s in
                    if s.generation > seen || s.cancelled.remove(id) != nil { return true }
                    s.waiters[id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { s in
                let waiter = s.waiters.removeValue(forKey: id)
                if waiter == nil { s.cancelled.insert(id) }
                return waiter
            }
            waiter?.resume()
        }
    }

    /// Waits for a wake after `seen`, for at most `timeout`.
    func wait(after seen: Int, timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: timeout) }
            group.addTask { await self.wait(after: seen) }
            await group.next()
            group.cancelAll()
        }
    }
}
