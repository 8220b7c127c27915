import ConcordCore
import Synchronization

/// Per-agency caps on what one agency may hold of the hub at once: requests in progress,
/// and streams and long-polls waiting. One agency's runaway client (or a stolen token)
/// cannot take every connection, task or waiter from the others.
final class AgencyGate: Sendable {
    enum Kind: String, Sendable {
        case request = "requests in progress"
        case waiting = "streams and long-polls"
    }

    private struct Key: Hashable {
        var agency: AgencyID
        var kind: Kind
    }

    private let held = Mutex<[Key: Int]>([:])
    let limits: [Kind: Int]

    init(maxRequests: Int, maxWaiting: Int) {
        limits = [.request: maxRequests, .waiting: maxWaiting]
    }

    /// A place held until the ticket goes (so a stream's place is held while its body is
    /// written, and given back however it ends).
    final class Ticket: Sendable {
        private let release: @Sendable () -> Void
        init(release: @escaping @Sendable () -> Void) { self.release = release }
        deinit { release() }
    }

    /// Takes a place, or refuses with 429 naming the limit.
    func enter(_ kind: Kind, for agency: AgencyID) throws -> Ticket {
        let key = Key(agency: agency, kind: kind)
        let limit = limits[kind] ?? .max
        let taken = held.withLock { held in
            guard held[key, default: 0] < limit else { return false }
            held[key, default: 0] += 1
            return true
        }
        guard taken else {
            let setting = kind == .request ? "maxRequestsPerAgency" : "maxWaitingPerAgency"
            throw HubError(
                .tooManyRequests,
                "agency \(agency) already has \(limit) \(kind.rawValue) open at this hub (limits.\(setting)); wait for one to end"
            )
        }
        return Ticket { [self] in
            held.withLock { held in
                held[key, default: 1] -= 1
                if held[key] == 0 { held[key] = nil }
            }
        }
    }
}
