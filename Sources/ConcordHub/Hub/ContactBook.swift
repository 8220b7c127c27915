import ConcordCore
import Synchronization

/// When each agency was last heard from and last pushed: noted in memory on every request
/// (and every line of an open stream), and written to the store when an agency is first
/// heard from and then at most once a minute, so a restart loses at most a minute of it.
final class ContactBook: Sendable {
    private struct State {
        var contacts: [AgencyID: AgencyContact] = [:]
        var written: [AgencyID: AgencyContact] = [:]
        var writing = false
        /// The last write failed: the next contact tries again.
        var retry = false
    }

    private let state = Mutex(State())
    /// How stale the stored times may get.
    static let writeEvery: Int64 = 60_000

    /// Notes contact with `agency` at `time`; returns what to write now, when a write is due.
    func note(_ agency: AgencyID, at time: Timestamp, pushed: Bool) -> [AgencyID: AgencyContact]? {
        state.withLock { s in
            var contact = s.contacts[agency] ?? AgencyContact()
            contact.lastSeen = time
            if pushed { contact.lastPush = time }
            s.contacts[agency] = contact
            let written = s.written[agency]
            let due =
                s.retry || written == nil || Self.stale(written?.lastSeen, time)
                || (pushed && Self.stale(written?.lastPush, time))
            guard due, !s.writing else { return nil }
            s.writing = true
            let written_ = s.written
            return s.contacts.filter { written_[$0.key] != $0.value }
        }
    }

    private static func stale(_ stored: Timestamp?, _ now: Timestamp) -> Bool {
        guard let stored else { return true }
        return now.millisecondsSinceEpoch - stored.millisecondsSinceEpoch >= writeEvery
    }

    /// The write of `contacts` ended (`stored`: it succeeded).
    func wrote(_ contacts: [AgencyID: AgencyContact], stored: Bool) {
        state.withLock { s in
            s.writing = false
            s.retry = !stored
            if stored { s.written.merge(contacts) { _, new in new } }
        }
    }

    /// What was noted since the hub started.
    var noted: [AgencyID: AgencyContact] { state.withLock { $0.contacts } }
}

extension Hub {
    /// Notes that `agency` was heard from (`pushed`: a push it sent was taken).
    public func heard(from agency: AgencyID, pushed: Bool = false) {
        guard let due = contacts.note(agency, at: clock(), pushed: pushed) else { return }
        Task { [storage, contacts, logger] in
            do {
                try await storage.record(contacts: due)
                contacts.wrote(due, stored: true)
            } catch {
                contacts.wrote(due, stored: false)
                logger.warning("could not store when agencies were last heard from", metadata: ["error": "\(error)"])
            }
        }
    }
}
