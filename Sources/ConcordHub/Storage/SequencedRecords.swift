import ConcordCore
import Synchronization

/// Decoded records as this process committed or read them, each with its sequence number.
/// Another process may have changed any of them since: a transaction uses one only when the
/// database still holds it at that number (``PostgresTransaction/prepare(changeIDs:actions:)``).
/// Bounded: past `capacity` records it starts again empty.
final class SequencedRecords: Sendable {
    private let storage = Mutex<[ActionAddress: (seq: Int64, record: Action)]>([:])
    let capacity = 100_000

    func get(_ addresses: [ActionAddress]) -> [ActionAddress: (seq: Int64, record: Action)] {
        storage.withLock { cache in
            var found: [ActionAddress: (seq: Int64, record: Action)] = [:]
            for address in addresses { if let kept = cache[address] { found[address] = kept } }
            return found
        }
    }

    func put(_ records: [(address: ActionAddress, seq: Int64, record: Action)]) {
        guard !records.isEmpty else { return }
        storage.withLock { cache in
            if cache.count + records.count > capacity { cache.removeAll() }
            for (address, seq, record) in records { cache[address] = (seq, record) }
        }
    }
}

/// Turns taken one at a time, first come first served.
actor Turns {
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    /// Returns when it is the caller's turn.
    func take() async {
        guard busy else {
            busy = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    /// Ends the caller's turn: the next waiting caller's begins.
    func give() {
        if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
    }
}
