import ConcordCore

/// The time zone a report speaks in: the committee's own (Europe/London by default), so a
/// meeting at 10:00 in June prints as 10:00 BST, "as at 30 June" ends at midnight there, and
/// "overdue" turns at local midnight. The rules come from the hub (Foundation's time zone
/// database); the report only asks for a moment's offset.
public struct ReportTimeZone: Sendable, Hashable {
    /// The zone's name, e.g. `Europe/London`.
    public let identifier: String
    private let rule: @Sendable (Timestamp) -> (seconds: Int, abbreviation: String)

    /// A zone whose offset from UTC and abbreviation at a moment `rule` gives.
    public init(identifier: String, rule: @escaping @Sendable (Timestamp) -> (seconds: Int, abbreviation: String)) {
        self.identifier = identifier
        self.rule = rule
    }

    /// UTC.
    public static let utc = ReportTimeZone(identifier: "UTC") { _ in (0, "UTC") }

    /// Seconds east of UTC at `t`, and the zone's abbreviation then ("BST").
    public func offset(at t: Timestamp) -> (seconds: Int, abbreviation: String) { rule(t) }

    /// `t` moved to local wall-clock time, as if it were UTC (for its date and time of day).
    func local(_ t: Timestamp) -> Timestamp {
        Timestamp(millisecondsSinceEpoch: t.millisecondsSinceEpoch + Int64(rule(t).seconds) * 1000)
    }

    /// The local date at `t`.
    public func date(of t: Timestamp) -> LocalDate { local(t).date }

    /// The first moment of `day` here.
    public func start(of day: LocalDate) -> Timestamp {
        let midnight = Int64(day.daysSinceEpoch) * 86_400_000
        // The offset at local midnight: guess with the offset at UTC midnight, then once more.
        var t = midnight - Int64(rule(Timestamp(millisecondsSinceEpoch: midnight)).seconds) * 1000
        t = midnight - Int64(rule(Timestamp(millisecondsSinceEpoch: t)).seconds) * 1000
        return Timestamp(millisecondsSinceEpoch: t)
    }

    /// The last millisecond of `day` here.
    public func end(of day: LocalDate) -> Timestamp {
        Timestamp(
            millisecondsSinceEpoch: start(of: LocalDate(daysSinceEpoch: day.daysSinceEpoch + 1)).millisecondsSinceEpoch
                - 1)
    }

    /// Zones are equal by name.
    public static func == (a: Self, b: Self) -> Bool { a.identifier == b.identifier }

    /// Hashes the name.
    public func hash(into hasher: inout Hasher) { hasher.combine(identifier) }
}
