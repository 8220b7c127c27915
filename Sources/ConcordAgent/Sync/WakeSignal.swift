import Synchronization

/// An event that tasks wait for, instead of polling: every `wake()` resumes every waiter.
///
/// Each wake moves a generation on. A caller reads `generation` before doing something
/// and waits with `wait(after:)`: a wake that came in between is not missed.
final class WakeSignal: Sendable {
    /// Where one waiter is: its id handed out, its continuation stored, or cancelled before
    /// it could be stored. Every path removes its slot, so nothing is left behind.
    private enum Slot {
        case allocated
        case waiting(CheckedContinuation<Void, Never>)
        case cancelled
    }

    private struct State {
        var generation = 0
        var nextWaiter = 0
        var slots: [Int: Slot] = [:]
    }
    private let state = Mutex(State())

    init() {}

    /// How many wakes there have been.
    var generation: Int { state.withLock { $0.generation } }

    /// Resumes every waiter. (A waiter not stored yet finds its slot gone, or the generation
    /// moved on, and returns at once.)
    func wake() {
        let slots = state.withLock { s in
            s.generation += 1
            defer { s.slots = [:] }
            return s.slots
        }
        for case .waiting(let waiter) in slots.values { waiter.resume() }
    }

    /// Returns once the generation has passed `seen` (at once if it already has), or when
    /// the task is cancelled.
    func wait(after seen: Int) async {
        let id = state.withLock { s in
            s.nextWaiter += 1
            s.slots[s.nextWaiter] = .allocated
            return s.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { s in
                    guard case .allocated = s.slots[id], s.generation <= seen else {
                        s.slots[id] = nil
                        return true
                    }
                    s.slots[id] = .waiting(continuation)
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            let waiter: CheckedContinuation<Void, Never>? = state.withLock { s in
                switch s.slots[id] {
                case .waiting(let waiter):
                    s.slots[id] = nil
                    return waiter
                case .allocated:
                    s.slots[id] = .cancelled
                    return nil
                case .cancelled, nil:
                    return nil
                }
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

    /// Waiters not yet resumed (for tests: it returns to 0).
    var waiting: Int { state.withLock { $0.slots.count } }
}
