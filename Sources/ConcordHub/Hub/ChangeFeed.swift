import ConcordCodec
import ConcordCore
import Foundation

/// What one push committed, as pulls send it: the records it changed, the conflicts it
/// recorded, and who may read each plan. Waiting pulls are answered from it, without a trip
/// to the database each (with 50 agencies waiting, those trips were a fifth of what a change
/// cost the hub).
public struct FeedBatch: Sendable {
    /// One record a batch changed, with its sequence number and stored JSON.
    public struct Record: Sendable {
        let seq: Int64
        let address: ActionAddress
        let json: String
    }

    /// One conflict a batch recorded or resolved, with its sequence number and stored JSON.
    public struct Conflict: Sendable {
        /// The conflict's id: a later batch may hold it again (resolved, or redacted).
        let id: Int64
        let seq: Int64
        /// The agency whose change met it.
        let agency: AgencyID
        let plan: PlanID
        let json: String
    }

    /// The sequence number before the batch and the last one it used.
    let after: Int64
    let through: Int64
    /// By sequence number.
    let records: [Record]
    /// By sequence number, then id.
    let conflicts: [Conflict]
    /// The partners of each plan of `records` and `conflicts`, after the batch.
    let readers: [PlanID: Set<AgencyID>]

    /// The most records a batch may hold to be kept for answering pulls (bigger ones are
    /// read from the database).
    static let maxRecords = 1000

    /// Something in the batch is for a caller of `visibility`: a record of a plan it reads,
    /// or news of its own conflict.
    func concerns(_ visibility: Visibility) -> Bool {
        records.contains { visibility.readsPlan(partners: readers[$0.address.plan] ?? []) }
            || conflicts.contains {
                visibility.getsNews(ofConflictBy: $0.agency, planPartners: readers[$0.plan] ?? [])
            }
    }
}

/// Tells waiting long-polls that the change sequence moved past the point they have seen,
/// and keeps the last batches so that they can be answered from memory.
public actor ChangeFeed {
    private var latest: Int64
    private var waiters: [Int: Waiter] = [:]
    private struct Waiter {
        var beyond: Int64
        /// What the waiting caller reads: batches with nothing for it do not wake it.
        var visibility: Visibility?
        var continuation: CheckedContinuation<Void, Never>
        /// Ends the wait at its timeout; cancelled when the wait ends otherwise.
        var timer: Task<Void, Never>?
    }
    /// Moves on whenever waits are ended without news (a token was revoked).
    public private(set) var interruptions = 0
    private var nextID = 0
    private var closed = false
    /// The last batches, without gaps: each starts where the one before ended, and the last
    /// ends at `latest`. Emptied whenever something is published without its batch.
    private var recent: [FeedBatch] = []
    /// At most this many batches and records are kept (a few MiB at most): enough for every
    /// agency that is keeping up; one that is further behind reads the database.
    private static let keptBatches = 1024
    private static let keptRecords = 4096
    private var keptRecordCount = 0

    /// A feed whose sequence stands at `latest` (the store's last committed number), with no batches kept.
    public init(latest: Int64) {
        self.latest = latest
    }

    /// The last sequence number published.
    public var latestSequence: Int64 { latest }

    /// The number of requests waiting now (a metric).
    public var waiting: Int { waiters.count }

    /// Nothing was published after `seq`.
    public func isCaughtUp(_ seq: Int64) -> Bool { seq == latest }

    /// The hub is shutting down.
    public var isClosed: Bool { closed }

    /// Records that the sequence reached `seq` and wakes everyone waiting for less. `batch`
    /// (what was committed up to `seq`) lets them be answered from memory; without it, they
    /// read the database.
    public func publish(_ seq: Int64, batch: FeedBatch? = nil) {
        guard seq > latest else { return }
        if let batch, batch.through == seq, batch.records.count <= FeedBatch.maxRecords {
            // A batch that does not start at `latest` follows one that is not published yet:
            // what is kept starts again with it.
            if batch.after != latest { forget() }
            recent.append(batch)
            keptRecordCount += batch.records.count
            while recent.count > Self.keptBatches || keptRecordCount > Self.keptRecords {
                keptRecordCount -= recent.removeFirst().records.count
            }
        } else {
            forget()
        }
        latest = seq
        for (id, waiter) in waiters where waiter.beyond < seq {
            // With 2,000 streams of 100 plans, a change concerns one in a hundred of them:
            // the others sleep on (their next answer is empty either way). Only when the
            // batch covers everything the waiter has not seen: a batch that starts later
            // (another process's commit not heard yet) may follow one that concerns it.
            if let batch, batch.after <= waiter.beyond, let visibility = waiter.visibility,
                !batch.concerns(visibility)
            {
                // Nothing for it up to here: the next batch is judged from here.
                waiters[id]?.beyond = batch.through
                continue
            }
            end(id)
        }
    }

    /// Ends every wait now without news, so the waiting requests look again at who is
    /// asking (after a token is revoked).
    public func interrupt() {
        interruptions += 1
        for id in Array(waiters.keys) { end(id) }
    }

    /// Returns once the sequence is past `seq`, after `timeout`, or on cancellation,
    /// whichever comes first.
    public func wait(beyond seq: Int64, timeout: Duration, for visibility: Visibility? = nil) async {
        if latest > seq || timeout <= .zero || closed { return }
        let id = nextID
        nextID += 1
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let timer = Task { [weak self] in
                    try? await Task.sleep(for: timeout)
                    if !Task.isCancelled { await self?.end(id) }
                }
                waiters[id] = Waiter(beyond: seq, visibility: visibility, continuation: continuation, timer: timer)
            }
        } onCancel: {
            Task { await self.end(id) }
        }
    }

    /// Ends every wait now and every later one at once: the hub is shutting down, and
    /// long-polls must not hold the drain up.
    public func close() {
        closed = true
        for id in Array(waiters.keys) { end(id) }
    }

    /// What a pull from `since` would answer, from the kept batches; `nil` when they do not
    /// cover everything after `since` (or the answer would need more than one page): then
    /// the database answers.
    func page(since: Int64, limit: Int, for visibility: Visibility) -> Hub.PullPage? {
        guard since < latest, let first = recent.first, first.after <= since else { return nil }
        var records: [FeedBatch.Record?] = []
        var position: [ActionAddress: Int] = [:]
        var conflicts: [String?] = []
        var conflictAt: [Int64: Int] = [:]
        for batch in recent where batch.through > since {
            for record in batch.records where record.seq > since {
                guard visibility.readsPlan(partners: batch.readers[record.address.plan] ?? []) else { continue }
                // A record changed twice is sent once, where its last change puts it.
                if let earlier = position[record.address] { records[earlier] = nil }
                position[record.address] = records.count
                records.append(record)
            }
            for conflict in batch.conflicts
            where conflict.seq > since
                && visibility.getsNews(ofConflictBy: conflict.agency, planPartners: batch.readers[conflict.plan] ?? [])
            {
                // A conflict held twice (resolved, or redacted, since) is sent once, as it is now.
                if let earlier = conflictAt[conflict.id] { conflicts[earlier] = nil }
                conflictAt[conflict.id] = conflicts.count
                conflicts.append(conflict.json)
            }
        }
        let visible = records.compactMap { $0?.json }
        guard visible.count <= limit, visible.reduce(0, { $0 + $1.utf8.count }) <= Hub.maxPageBytes else {
            return nil
        }
        return Hub.PullPage(records: visible, conflicts: conflicts.compactMap { $0 }, cursor: latest, more: false)
    }

    private func forget() {
        recent = []
        keptRecordCount = 0
    }

    /// Ends one wait, and its timer with it.
    private func end(_ id: Int) {
        guard let waiter = waiters.removeValue(forKey: id) else { return }
        waiter.timer?.cancel()
        waiter.continuation.resume()
    }
}
