import ConcordCore
import Synchronization

/// When each agency was last heard from and last pushed: noted in memory on every request
/// (and every line of an open stream), and written to the store when an agency is first
/// heard from or first pushes, then at most once a minute, one write at a time; what falls
/// due during a write is written after it, a failed write is tried again after 10 s, and
/// the hub writes the rest as it stops (``Hub/flushContacts()``).
final class ContactBook: Sendable {
    private struct State {
        var contacts: [AgencyID: AgencyContact] = [:]
        var written: [AgencyID: AgencyContact] = [:]
        var writing = false
        /// A write fell due while another was running: the running one's end starts it.
        var again = false
        /// After a failed write, no new one before this time.
        var retryAt: Int64 = .min
    }

    private let state = Mutex(State())
    /// How stale the stored times may get.
    static let writeEvery: Int64 = 60_000
    /// How long after a failed write the next is tried.
    static let retryAfter: Int64 = 10_000

    /// Notes contact with `agency` at `time`; returns what to write now, when a write is due.
    func note(_ agency: AgencyID, at time: Timestamp, pushed: Bool) -> [AgencyID: AgencyContact]? {
        state.withLock { s in
            var contact = s.contacts[agency] ?? AgencyContact()
            contact.lastSeen = time
            if pushed { contact.lastPush = time }
            s.contacts[agency] = contact
            let written = s.written[agency]
            let due =
                written == nil || Self.stale(written?.lastSeen, time) || (pushed && Self.stale(written?.lastPush, time))
            guard due, time.millisecondsSinceEpoch >= s.retryAt else { return nil }
            guard !s.writing else {
                s.again = true
                return nil
            }
            s.writing = true
            return Self.unwritten(s)
        }
    }

    private static func stale(_ stored: Timestamp?, _ now: Timestamp) -> Bool {
        guard let stored else { return true }
        return now.millisecondsSinceEpoch - stored.millisecondsSinceEpoch >= writeEvery
    }

    private static func unwritten(_ s: State) -> [AgencyID: AgencyContact] {
        s.contacts.filter { s.written[$0.key] != $0.value }
    }

    /// The write of `contacts` at `time` ended (`stored`: it succeeded); returns what to
    /// write next, when something fell due meanwhile.
    func wrote(_ contacts: [AgencyID: AgencyContact], at time: Timestamp, stored: Bool) -> [AgencyID: AgencyContact]? {
        state.withLock { s in
            if stored {
                s.written.merge(contacts) { _, new in new }
            } else {
                s.retryAt = time.millisecondsSinceEpoch + Self.retryAfter
                s.again = false
            }
            guard s.again else {
                s.writing = false
                return nil
            }
            s.again = false
            let next = Self.unwritten(s)
            s.writing = !next.isEmpty
            return next.isEmpty ? nil : next
        }
    }

    /// Everything not written yet (for the last write, as the hub stops).
    var unwritten: [AgencyID: AgencyContact] { state.withLock { Self.unwritten($0) } }

    /// What was noted since the hub started.
    var noted: [AgencyID: AgencyContact] { state.withLock { $0.contacts } }
}

extension Hub {
    /// Notes that `agency` was heard from (`pushed`: a push it sent was taken).
    public func heard(from agency: AgencyID, pushed: Bool = false) {
        guard let due = contacts.note(agency, at: clock(), pushed: pushed) else { return }
        Task { [self] in
            var batch: [AgencyID: AgencyContact]? = due
            while let contacts = batch {
                var stored = true
                do { try await storage.record(contacts: contacts) } catch {
                    stored = false
                    logger.warning(
                        "could not store when agencies were last heard from", metadata: ["error": "\(error)"])
                }
                batch = self.contacts.wrote(contacts, at: clock(), stored: stored)
            }
        }
    }

    /// Writes what is noted and not yet stored (as the hub stops, before the database closes).
    public func flushContacts() async {
        let rest = contacts.unwritten
        guard !rest.isEmpty else { return }
        do { try await storage.record(contacts: rest) } catch {
            logger.warning("could not store when agencies were last heard from", metadata: ["error": "\(error)"])
        }
    }
}
