import ConcordCore
import ConcordWire
import Synchronization

/// Counters for `GET /metrics`, in the Prometheus text format.
public final class HubMetrics: Sendable {
    private struct Counts {
        var requestsByStatus: [Int: Int] = [:]
        var changesByOutcome: [Outcome: Int] = [:]
    }

    private let counts = Mutex(Counts())

    public init() {}

    func countRequest(status: Int) {
        counts.withLock { $0.requestsByStatus[status, default: 0] += 1 }
    }

    func count(_ results: [ChangeResult]) {
        counts.withLock { c in
            for r in results { c.changesByOutcome[r.outcome, default: 0] += 1 }
        }
    }

    /// The exposition text; gauges are read by the caller at scrape time.
    func render(openConflicts: Int, longPolls: Int) -> String {
        let c = counts.withLock { $0 }
        var out = "# HELP concord_http_requests_total HTTP requests answered, by status code.\n"
        out += "# TYPE concord_http_requests_total counter\n"
        for (status, n) in c.requestsByStatus.sorted(by: { $0.key < $1.key }) {
            out += "concord_http_requests_total{status=\"\(status)\"} \(n)\n"
        }
        out += "# HELP concord_changes_total Changes received, by outcome.\n"
        out += "# TYPE concord_changes_total counter\n"
        for outcome in Outcome.allCases {
            out += "concord_changes_total{outcome=\"\(outcome.rawValue)\"} \(c.changesByOutcome[outcome] ?? 0)\n"
        }
        out += "# HELP concord_open_conflicts Conflicts waiting for an admin.\n"
        out += "# TYPE concord_open_conflicts gauge\n"
        out += "concord_open_conflicts \(openConflicts)\n"
        out += "# HELP concord_long_polls Pull requests waiting for a change.\n"
        out += "# TYPE concord_long_polls gauge\n"
        out += "concord_long_polls \(longPolls)\n"
        return out
    }
}
