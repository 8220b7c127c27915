/// Postcodes, e-mail addresses, dates of birth and protected names, over a text's characters
/// one byte each, lower-cased (``Scanned``).
extension Screener {
    /// The outward code's shapes (letter or digit at each place), longest first, so that
    /// "SW1A 1AA" is not read as "SW1".
    /// A table of which bytes are among `characters`, for scans that ask of every character.
    static func table(_ characters: String) -> [Bool] {
        var table = [Bool](repeating: false, count: 256)
        for b in characters.utf8 { table[Int(b)] = true }
        return table
    }

    static let notFirstInPostcode = table("qvx")
    static let notInInwardCode = table("cikmov")
    static let dateSeparators = table("/-.")
    static let birthWordStarts = table("dbg")

    /// Full UK unit postcodes: an outward code (A9, A99, AA9, AA99, A9A, AA9A), an optional
    /// space, an inward code (9AA), standing as a word of their own.
    static func postcodes(_ c: [UInt8]) -> [Range<Int>] {
        var found: [Range<Int>] = []
        var i = 0
        while i < c.count {
            if c[i].isASCIILetter, i == 0 || !c[i - 1].isAlphanumeric, let end = postcode(at: i, c) {
                found.append(i..<end)
                i = end
            } else {
                i += 1
            }
        }
        return found
    }

    /// The end of a postcode starting at `i`, if one does: one or two letters, a digit, then
    /// a digit or a letter or nothing (A9, A99, A9A, AA9, AA99, AA9A; the longest first, so
    /// that "SW1A 1AA" is not read as "SW1"), an optional space, and the inward code 9AA.
    static func postcode(at i: Int, _ c: [UInt8]) -> Int? {
        func letter(_ j: Int) -> Bool { j < c.count && c[j].isASCIILetter }
        func digit(_ j: Int) -> Bool { j < c.count && c[j].isDigit }
        guard letter(i), !notFirstInPostcode[Int(c[i])] else { return nil }
        let p = letter(i + 1) ? i + 2 : i + 1
        guard digit(p) else { return nil }
        for outwardEnd in [p + 2, p + 1] where outwardEnd == p + 1 || digit(p + 1) || letter(p + 1) {
            var j = outwardEnd
            if j < c.count, c[j] == UInt8(ascii: " ") { j += 1 }
            guard digit(j), letter(j + 1), letter(j + 2), !notInInwardCode[Int(c[j + 1])],
                !notInInwardCode[Int(c[j + 2])]
            else { continue }
            let end = j + 3
            if end < c.count, c[end].isAlphanumeric { continue }
            return end
        }
        return nil
    }

    /// `local@domain.tld` addresses.
    static func emails(_ c: [UInt8]) -> [Range<Int>] {
        let localMarks = Array("._%+-".utf8)
        let dot = UInt8(ascii: "."), hyphen = UInt8(ascii: "-")
        func local(_ b: UInt8) -> Bool { b.isASCIILetter || b.isDigit || localMarks.contains(b) }
        func domain(_ b: UInt8) -> Bool { b.isASCIILetter || b.isDigit || b == dot || b == hyphen }
        var found: [Range<Int>] = []
        for at in c.indices where c[at] == UInt8(ascii: "@") {
            var start = at
            while start > 0, local(c[start - 1]) { start -= 1 }
            var end = at + 1
            while end < c.count, domain(c[end]) { end += 1 }
            while end > at + 1, c[end - 1] == dot || c[end - 1] == hyphen { end -= 1 }
            let labels = c[(at + 1)..<end].split(separator: dot, omittingEmptySubsequences: false)
            guard start < at, labels.count >= 2, labels.allSatisfy({ !$0.isEmpty }),
                let tld = labels.last, tld.count >= 2, tld.allSatisfy(\.isASCIILetter)
            else { continue }
            // Addresses run together ("a@b.orgc+d@e.org") are one finding: all of it goes.
            if let last = found.last, last.overlaps(start..<end) {
                found[found.count - 1] = min(last.lowerBound, start)..<max(last.upperBound, end)
                continue
            }
            found.append(start..<end)
        }
        return found
    }

    /// Words that say a date of birth follows (English and Welsh), longest first.
    static let birthWords: [[UInt8]] = [
        "date of birth", "d.o.b.", "d.o.b", "dob", "born on", "born", "dyddiad geni", "ganwyd", "geni",
    ].map { Array($0.utf8) }

    /// A date within 20 characters after a birth word, or just before one ("12/03/2014
    /// (DOB)"): 12/03/2014, 12-03-14, 12.03.2014, 2014-03-12, 12 March 2014, 12th March 2014,
    /// 12-Mar-2014.
    static func datesOfBirth(_ c: [UInt8]) -> [Range<Int>] {
        var found: [Range<Int>] = []
        var i = 0
        while i < c.count {
            guard birthWordStarts[Int(c[i])], i == 0 || !c[i - 1].isLetterChar,
                let word = birthWords.first(where: { w in
                    i + w.count <= c.count && c[i..<i + w.count].elementsEqual(w)
                        && (i + w.count == c.count || !c[i + w.count].isLetterChar || w.last == UInt8(ascii: "."))
                })
            else {
                i += 1
                continue
            }
            // Just before: a date ending at most three characters before the word, with only
            // a space, a bracket, a comma or a colon between ("12/03/2014 (DOB)", "12.03.14, d.o.b.").
            for j in max(0, i - 24)..<i where j == 0 || !c[j - 1].isAlphanumeric {
                guard let (end, _) = date(at: j, c), end <= i, i - end <= 3,
                    c[end..<i].allSatisfy({ nearMarks[Int($0)] }),
                    !found.contains(where: { $0.overlaps(j..<end) })
                else { continue }
                found.append(j..<end)
                break
            }
            let from = i + word.count
            var j = from
            while j < min(c.count, from + 20) {
                if j == 0 || !c[j - 1].isAlphanumeric, let (end, _) = date(at: j, c) {
                    found.append(j..<end)
                    break
                }
                j += 1
            }
            i = from
        }
        return found.sorted { $0.lowerBound < $1.lowerBound }
    }

    /// What may stand between a date and the word or name it belongs to: a space, a bracket,
    /// a comma, a colon, a hyphen.
    static let nearMarks = table(" (),:-")

    /// Dates right beside a protected name ("Liam Smith (12/03/2014)", "Liam Smith, 12.03.14",
    /// "12/03/2014 Liam Smith": at most three of ``nearMarks`` between) that are a child's age:
    /// in one of the 18 years before `year` (two-digit years are this century's). A meeting
    /// or target date further off is not one.
    static func agesNear(_ names: [Range<Int>], _ c: [UInt8], year: Int) -> [Range<Int>] {
        var found: [Range<Int>] = []
        func isAge(_ y: Int?) -> Bool { y.map { (year - 18)..<year ~= ($0 < 100 ? 2000 + $0 : $0) } ?? false }
        for name in names {
            // After the name.
            var j = name.upperBound
            while j < c.count, j - name.upperBound < 3, nearMarks[Int(c[j])] { j += 1 }
            if j == 0 || !c[j - 1].isAlphanumeric, let (end, y) = date(at: j, c), isAge(y) {
                found.append(j..<end)
            }
            // Before it.
            for k in max(0, name.lowerBound - 24)..<name.lowerBound where k == 0 || !c[k - 1].isAlphanumeric {
                guard let (end, y) = date(at: k, c), end <= name.lowerBound, name.lowerBound - end <= 3,
                    c[end..<name.lowerBound].allSatisfy({ nearMarks[Int($0)] }), isAge(y)
                else { continue }
                found.append(k..<end)
                break
            }
        }
        return found
    }

    static let months: [[UInt8]] = [
        "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
        "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    ].map { Array($0.utf8) }

    /// The length of a month's name at `j`, if one is there.
    static func month(at j: Int, _ c: [UInt8]) -> Int? {
        var letters = 0
        while j + letters < c.count, c[j + letters].isLetterChar { letters += 1 }
        guard letters > 0, months.contains(where: { c[j..<j + letters].elementsEqual($0) }) else { return nil }
        return letters
    }

    /// The end of a date starting at `i`, if one does, and its year (`nil` when it is not
    /// the last part: y-m-d gives it first).
    static func date(at i: Int, _ c: [UInt8]) -> (end: Int, year: Int?)? {
        func digits(_ j: Int) -> Int {
            var n = 0
            while j + n < c.count, c[j + n].isDigit { n += 1 }
            return n
        }
        func number(_ j: Int, _ n: Int) -> Int { c[j..<j + n].reduce(0) { $0 * 10 + Int($1 - 48) } }
        let first = digits(i)
        guard first > 0 else { return nil }
        var j = i + first
        if j < c.count, dateSeparators[Int(c[j])] {
            // Numeric: d/m/y, y-m-d (separators / - .).
            if digits(j + 1) > 0 {
                let second = digits(j + 1)
                let k = j + 1 + second
                let third = digits(k + 1)
                guard k < c.count, dateSeparators[Int(c[k])], (2...4).contains(third), first <= 4, second <= 2 else {
                    return nil
                }
                return (k + 1 + third, first == 4 ? number(i, 4) : number(k + 1, third))
            }
            // 12-Mar-2014, 12/Mar/14.
            guard first <= 2, let letters = month(at: j + 1, c) else { return nil }
            let k = j + 1 + letters
            let year = digits(k + 1)
            guard k < c.count, dateSeparators[Int(c[k])], year == 2 || year == 4 else { return nil }
            return (k + 1 + year, number(k + 1, year))
        }
        // Words: 12 March 2014, 12th of March 2014.
        guard first <= 2 else { return nil }
        for suffix in ["st", "nd", "rd", "th"] where j + 2 <= c.count && c[j..<j + 2].elementsEqual(suffix.utf8) {
            j += 2
        }
        while j < c.count, c[j] == UInt8(ascii: " ") { j += 1 }
        if j + 3 <= c.count, c[j..<j + 3].elementsEqual("of ".utf8) { j += 3 }
        guard let letters = month(at: j, c) else { return nil }
        j += letters
        if j < c.count, c[j] == UInt8(ascii: ".") { j += 1 }
        while j < c.count, c[j] == UInt8(ascii: " ") || c[j] == UInt8(ascii: ",") { j += 1 }
        return digits(j) == 4 ? (j + 4, number(j, 4)) : nil
    }
}
