import ConcordCore
import ConcordWire
import CoreMetrics
import Prometheus
import Synchronization

/// The hub's metrics, through swift-metrics into a Prometheus registry of this hub's own (no
/// global bootstrap, so several hubs in one process keep theirs apart), served at
/// `GET /metrics` in the Prometheus text format.
///
/// | metric | kind | labels |
/// | --- | --- | --- |
/// | `concord_http_requests_total` | counter | `status` |
/// | `concord_http_request_duration_seconds` | histogram | `route` |
/// | `concord_changes_total` | counter | `outcome` |
/// | `concord_push_batch_changes` | histogram | |
/// | `concord_push_database_seconds` | histogram (the write transaction of a push) | |
/// | `concord_streams` | gauge (streams held open) | |
/// | `concord_long_polls` | gauge (pulls waiting for a change) | |
/// | `concord_open_conflicts` | gauge | |
/// | `concord_agency_last_seen_seconds` | gauge (Unix time the hub last heard from the agency) | `agency` |
/// | `concord_agency_last_push_seconds` | gauge (Unix time of its last push the hub answered) | `agency` |
///
/// The two agency series only for a scrape with an admin or viewer token.
public final class HubMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let factory: PrometheusMetricsFactory
    private let streams: Meter

    /// A registry of its own, with histogram buckets suited to request times, push times and batch sizes.
    public init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets = [
            "concord_http_request_duration_seconds": [
                .milliseconds(1), .milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(500),
                .seconds(1), .seconds(5), .seconds(30), .seconds(120),
            ],
            "concord_push_database_seconds": [
                .microseconds(500), .milliseconds(1), .milliseconds(5), .milliseconds(25), .milliseconds(100),
                .milliseconds(500), .seconds(2),
            ],
        ]
        factory.valueHistogramBuckets = ["concord_push_batch_changes": [1, 2, 5, 10, 50, 100, 500, 1000]]
        self.factory = factory
        streams = Meter(label: "concord_streams", factory: factory)
    }

    /// A request answered: its status, and how long it took by route (the route's pattern,
    /// never the path with its ids).
    func countRequest(status: Int, route: String?, duration: Duration) {
        Counter(label: "concord_http_requests_total", dimensions: [("status", "\(status)")], factory: factory)
            .increment()
        CoreMetrics.Timer(
            label: "concord_http_request_duration_seconds", dimensions: [("route", route ?? "unmatched")],
            factory: factory
        ).recordNanoseconds(duration.nanoseconds)
    }

    /// A push answered: its size, each change's outcome and the database's time.
    func countPush(_ results: [ChangeResult], database: Duration) {
        Recorder(label: "concord_push_batch_changes", factory: factory).record(results.count)
        CoreMetrics.Timer(label: "concord_push_database_seconds", factory: factory).recordNanoseconds(
            database.nanoseconds)
        var counts: [Outcome: Int] = [:]
        for r in results { counts[r.outcome, default: 0] += 1 }
        for (outcome, n) in counts {
            Counter(label: "concord_changes_total", dimensions: [("outcome", outcome.rawValue)], factory: factory)
                .increment(by: n)
        }
    }

    /// A stream opened (`+1`) or ended (`-1`).
    func streamHeld(_ delta: Double) { streams.increment(by: delta) }

    /// The exposition text; gauges of state are read by the caller at scrape time. The
    /// agencies' series (who the partners are, and when each was last active) are given only
    /// to a scrape with an admin or viewer token, so they live in a registry of the scrape's own.
    func render(openConflicts: Int, longPolls: Int, agencies: [AgencyInfo]?) -> [UInt8] {
        Gauge(label: "concord_open_conflicts", factory: factory).record(openConflicts)
        Gauge(label: "concord_long_polls", factory: factory).record(longPolls)
        var text = registry.emitToBuffer()
        guard let agencies else { return text }
        let scrape = PrometheusCollectorRegistry()
        for agency in agencies {
            let labels = [("agency", agency.id.rawValue)]
            if let seen = agency.lastContact {
                scrape.makeGauge(name: "concord_agency_last_seen_seconds", labels: labels).set(
                    Double(seen.millisecondsSinceEpoch) / 1000)
            }
            if let push = agency.lastPush {
                scrape.makeGauge(name: "concord_agency_last_push_seconds", labels: labels).set(
                    Double(push.millisecondsSinceEpoch) / 1000)
            }
        }
        scrape.emit(into: &text)
        return text
    }
}

extension Duration {
    /// The whole nanoseconds of the duration.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
