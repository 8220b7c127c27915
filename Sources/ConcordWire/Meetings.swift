import ConcordCore

/// A committee meeting: a named point in time a report compares with ("since we last met").
public struct Meeting: Codable, Sendable, Hashable {
    /// The meeting's id: 1–64 of `a-z`, `0-9`, `-`, `.` and `_`, e.g. `scrutiny-2026-03`.
    public var id: String
    /// When the meeting was: changes after this hub time are "since" it.
    public var date: Timestamp
    /// What people call it: "Safeguarding Scrutiny Committee, 12 March 2026".
    public var title: String

    /// A meeting.
    public init(id: String, date: Timestamp, title: String) {
        self.id = id
        self.date = date
        self.title = title
    }

    /// Whether `id` is a meeting id: 1–64 of `a-z`, `0-9`, `-`, `.` and `_`, starting with a letter or digit.
    public static func isValidID(_ id: String) -> Bool {
        guard let first = id.utf8.first, (1...64).contains(id.utf8.count),
            (0x61...0x7A).contains(first) || (0x30...0x39).contains(first)
        else { return false }
        return id.utf8.allSatisfy { b in
            (0x61...0x7A).contains(b) || (0x30...0x39).contains(b) || b == 0x2D || b == 0x2E || b == 0x5F
        }
    }
}

/// `POST /v1/meetings` body.
public struct MeetingRequest: Codable, Sendable, Hashable {
    /// The meeting's id (see ``Meeting/isValidID(_:)``).
    public var id: String
    /// A hub time (`2026-03-12T10:00:00Z`), or a date: the start of that day in the
    /// committee's time zone (the hub's `report.timeZone`).
    public var date: String
    /// What people call it.
    public var title: String

    /// A request to add this meeting.
    public init(id: String, date: String, title: String) {
        self.id = id
        self.date = date
        self.title = title
    }
}

/// `GET /v1/meetings` answer, oldest first.
public struct MeetingList: Codable, Sendable, Hashable {
    /// Every meeting, by date.
    public var meetings: [Meeting]
    /// A list of these meetings.
    public init(meetings: [Meeting]) { self.meetings = meetings }
}
