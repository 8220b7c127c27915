import ConcordCodec

/// A calendar date with no time or zone, as plans write target dates: `2026-03-31`.
public struct LocalDate: Hashable, Comparable, Sendable, JSONStringValue, CustomStringConvertible {
    /// The year, 1 to 9999.
    public let year: Int
    /// The month, 1 (January) to 12.
    public let month: Int
    /// The day of the month, from 1.
    public let day: Int

    /// A checked date; `nil` when the day does not exist (e.g. 2026-02-29).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
            day >= 1, day <= LocalDate.daysIn(month: month, year: year)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses exactly `YYYY-MM-DD`; `nil` for anything else.
    public init?(_ text: some StringProtocol) {
        let b = Array(text.utf8)
        guard b.count == 10, b[4] == 0x2D, b[7] == 0x2D else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var n = 0
            for i in range {
                guard ASCII.isDigit(b[i]) else { return nil }
                n = n * 10 + Int(b[i] - 0x30)
            }
            return n
        }
        guard let y = number(0..<4), let m = number(5..<7), let d = number(8..<10) else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// The date `days` after 1970-01-01 (negative for earlier).
    public init(daysSinceEpoch days: Int) {
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        year = yoe + era * 400 + (m <= 2 ? 1 : 0)
        month = m
        day = d
    }

    /// Days since 1970-01-01 (Howard Hinnant's days_from_civil).
    public var daysSinceEpoch: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// `YYYY-MM-DD`, zero-padded.
    public var description: String {
        return "\(zeroPad(year, 4))-\(zeroPad(month, 2))-\(zeroPad(day, 2))"
    }

    /// Calendar order: earlier dates first.
    public static func < (a: Self, b: Self) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }

    /// Decodes a `YYYY-MM-DD` string, failing with a message that shows the form.
    public init(from decoder: any Decoder) throws {
        let raw = try decoder.singleValueContainer().decode(String.self)
        guard let date = LocalDate(raw) else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: "'\(raw.prefix(40))' is not a date: write YYYY-MM-DD"))
        }
        self = date
    }

    /// Encodes as a `YYYY-MM-DD` string.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

/// A moment in hub time, to the millisecond, written in JSON as ISO 8601 UTC:
/// `2026-11-23T07:56:49.123Z`. Hub time orders events; agency clocks are informational.
public struct Timestamp: Hashable, Comparable, Sendable, JSONStringValue, CustomStringConvertible {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public let millisecondsSinceEpoch: Int64

    /// The moment this many milliseconds after 1970-01-01T00:00:00Z (negative for earlier).
    public init(millisecondsSinceEpoch: Int64) {
        self.millisecondsSinceEpoch = millisecondsSinceEpoch
    }

    /// The calendar date of this moment in UTC.
    public var date: LocalDate {
        LocalDate(daysSinceEpoch: Int(millisecondsSinceEpoch.floorDiv(86_400_000)))
    }

    /// ISO 8601 in UTC with milliseconds: `2026-11-23T07:56:49.123Z`.
    public var description: String {
        let ms = millisecondsSinceEpoch
        let dayMs = Int(ms - ms.floorDiv(86_400_000) * 86_400_000)
        let h = dayMs / 3_600_000, m = dayMs / 60_000 % 60, s = dayMs / 1000 % 60, f = dayMs % 1000
        return "\(date)T\(zeroPad(h, 2)):\(zeroPad(m, 2)):\(zeroPad(s, 2)).\(zeroPad(f, 3))Z"
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fff]Z` or with a `±HH:MM` offset; `nil` otherwise.
    public init?(_ text: some StringProtocol) {
        let b = Array(text.utf8)
        guard b.count >= 20, b[10] == 0x54 || b[10] == 0x74, b[13] == 0x3A, b[16] == 0x3A,
            let date = LocalDate(String(decoding: b[0..<10], as: UTF8.self))
        else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var n = 0
            for i in range {
                guard i < b.count, ASCII.isDigit(b[i]) else { return nil }
                n = n * 10 + Int(b[i] - 0x30)
            }
            return n
        }
        guard let h = number(11..<13), let mi = number(14..<16), let s = number(17..<19),
            h < 24, mi < 60, s < 61
        else { return nil }
        var i = 19
        var millis = 0
        if b[i] == 0x2E {
            i += 1
            var digits = 0
            while i < b.count, ASCII.isDigit(b[i]) {
                if digits < 3 { millis = millis * 10 + Int(b[i] - 0x30) }
                digits += 1
                i += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<max(digits, 3) { millis *= 10 }
        }
        var offsetMinutes = 0
        guard i < b.count else { return nil }
        if b[i] == 0x5A || b[i] == 0x7A {
            i += 1
        } else if b[i] == 0x2B || b[i] == 0x2D, i + 6 == b.count, b[i + 3] == 0x3A,
            let oh = number(i + 1..<i + 3), let om = number(i + 4..<i + 6), oh <= 23, om <= 59
        {
            offsetMinutes = (oh * 60 + om) * (b[i] == 0x2D ? -1 : 1)
            i += 6
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        let seconds = Int64(date.daysSinceEpoch) * 86_400 + Int64(h * 3600 + mi * 60 + s) - Int64(offsetMinutes * 60)
        self.init(millisecondsSinceEpoch: seconds * 1000 + Int64(millis))
        // Only moments that write back as they were read: years 0001 to 9999 in UTC.
        guard (1...9999).contains(self.date.year) else { return nil }
    }

    /// Earlier moments first.
    public static func < (a: Self, b: Self) -> Bool { a.millisecondsSinceEpoch < b.millisecondsSinceEpoch }

    /// Decodes an ISO 8601 string (see `init?(_:)`), failing with a message that shows the form.
    public init(from decoder: any Decoder) throws {
        let raw = try decoder.singleValueContainer().decode(String.self)
        guard let t = Timestamp(raw) else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: "'\(raw.prefix(40))' is not an ISO 8601 time such as 2026-11-23T07:56:49.123Z"))
        }
        self = t
    }

    /// Encodes as an ISO 8601 UTC string with milliseconds.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

extension Int64 {
    fileprivate func floorDiv(_ d: Int64) -> Int64 {
        let q = self / d
        return (self % d != 0 && (self < 0) != (d < 0)) ? q - 1 : q
    }
}

/// `n` in decimal, left-padded with zeros to `width` digits.
func zeroPad(_ n: Int, _ width: Int) -> String {
    let s = String(n)
    return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
}

extension LocalDate {
    /// `YYYY-MM-DD`.
    public var jsonString: String { description }
    /// Parses exactly `YYYY-MM-DD`; `nil` for anything else.
    public init?(jsonString: String) { self.init(jsonString) }
}

extension Timestamp {
    /// ISO 8601 in UTC with milliseconds, as `description`.
    public var jsonString: String { description }
    /// Parses ISO 8601 with `Z` or a `±HH:MM` offset; `nil` otherwise.
    public init?(jsonString: String) { self.init(jsonString) }
}
