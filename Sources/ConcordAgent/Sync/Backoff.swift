/// Retry delays when the hub is unreachable: exponential from 1 s to 5 s, with jitter so
/// fifty agents coming back after an outage do not all knock at once. The cap is short so
/// that an agent is back within seconds of a healed partition; a failed try costs the hub
/// nothing (a refused or dropped connection). Pure: the random number is passed in.
public struct Backoff: Sendable, Equatable {
    /// The shortest wait, and the first.
    public var base: Duration = .seconds(1)
    /// The longest wait, however many failures.
    public var cap: Duration = .seconds(5)
    /// Failures in a row.
    public private(set) var failures = 0

    /// A backoff with no failures yet.
    public init(base: Duration = .seconds(1), cap: Duration = .seconds(5)) {
        self.base = base
        self.cap = cap
    }

    /// Records a failure and returns how long to wait: a random point in the upper half of
    /// `min(cap, base × 2^(failures-1))`, never below `base`. `unit` is in 0..<1.
    public mutating func failed(unit: Double) -> Duration {
        failures += 1
        let exponent = min(failures - 1, 30)
        var ceiling = base * (1 << exponent)
        if ceiling > cap { ceiling = cap }
        let delay = ceiling * (0.5 + 0.5 * min(max(unit, 0), 1))
        return delay < base ? base : delay
    }

    /// Records a success: the next failure waits `base` again.
    public mutating func succeeded() { failures = 0 }
}
