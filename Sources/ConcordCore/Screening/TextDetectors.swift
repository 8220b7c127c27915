/// Postcodes, e-mail addresses, dates of birth and protected names.
extension Screener {
    /// Full UK unit postcodes: an outward code (A9, A99, AA9, AA99, A9A, AA9A), an optional
    /// space, an inward code (9AA), standing as a word of their own; or GIR 0AA.
    static func postcodes(_ chars: [Character]) -> [Range<Int>] {
        var found: [Range<Int>] = []
        var i = 0
        while i < chars.count {
            if i == 0 || !(chars[i - 1].isLetter || chars[i - 1].isNumber), let end = postcode(at: i, chars) {
                found.append(i..<end)
                i = end
            } else {
                i += 1
            }
        }
        return found
    }

    /// The end of a postcode starting at `i`, if one does.
    static func postcode(at i: Int, _ chars: [Character]) -> Int? {
        func letter(_ j: Int) -> Bool { j < chars.count && chars[j].isASCII && chars[j].isLetter }
        func digit(_ j: Int) -> Bool { j < chars.count && chars[j].isASCII && chars[j].isNumber }
        func upper(_ j: Int) -> Character { Character(chars[j].uppercased()) }
        let outward: [[Bool]] = [
            [true, false], [true, false, false], [true, true, false], [true, true, false, false],
            [true, false, true], [true, true, false, true],
        ]
        // Longest outward shapes first, so "SW1A 1AA" is not read as "SW1".
        for shape in outward.sorted(by: { $0.count > $1.count }) {
            guard shape.indices.allSatisfy({ shape[$0] ? letter(i + $0) : digit(i + $0) }) else { continue }
            guard !"QVX".contains(upper(i)) else { continue }
            var j = i + shape.count
            if j < chars.count, chars[j] == " " { j += 1 }
            guard digit(j), letter(j + 1), letter(j + 2), !"CIKMOV".contains(upper(j + 1)),
                !"CIKMOV".contains(upper(j + 2))
            else { continue }
            let end = j + 3
            if end < chars.count, chars[end].isLetter || chars[end].isNumber { continue }
            return end
        }
        return nil
    }

    /// `local@domain.tld` addresses.
    static func emails(_ chars: [Character]) -> [Range<Int>] {
        func local(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c.isNumber || "._%+-".contains(c)) }
        func domain(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c.isNumber || ".-".contains(c)) }
        var found: [Range<Int>] = []
        for at in chars.indices where chars[at] == "@" {
            var start = at
            while start > 0, local(chars[start - 1]) { start -= 1 }
            var end = at + 1
            while end < chars.count, domain(chars[end]) { end += 1 }
            while end > at + 1, chars[end - 1] == "." || chars[end - 1] == "-" { end -= 1 }
            let host = String(chars[(at + 1)..<end])
            let labels = host.split(separator: ".", omittingEmptySubsequences: false)
            guard start < at, labels.count >= 2, labels.allSatisfy({ !$0.isEmpty }),
                let tld = labels.last, tld.count >= 2, tld.allSatisfy(\.isLetter)
            else { continue }
            if let last = found.last, last.overlaps(start..<end) { continue }
            found.append(start..<end)
        }
        return found
    }

    /// Words that say a date of birth follows.
    static let birthWords = [
        "date of birth", "d.o.b.", "d.o.b", "dob", "born on", "born", "dyddiad geni", "ganwyd", "geni",
    ]

    /// A date within 20 characters after a birth word: 12/03/2014, 12-03-14, 12.03.2014,
    /// 2014-03-12, 12 March 2014, 12th March 2014.
    static func datesOfBirth(_ chars: [Character]) -> [Range<Int>] {
        let lower = chars.map { Character($0.lowercased()) }
        var found: [Range<Int>] = []
        var i = 0
        while i < lower.count {
            let atWord = i == 0 || !lower[i - 1].isLetter
            guard atWord,
                let word = birthWords.first(where: { w in
                    let w = Array(w)
                    return i + w.count <= lower.count && Array(lower[i..<i + w.count]) == w
                        && (i + w.count == lower.count || !lower[i + w.count].isLetter || w.last == ".")
                })
            else {
                i += 1
                continue
            }
            let from = i + word.count
            var j = from
            while j < min(lower.count, from + 20) {
                if (j == 0 || !lower[j - 1].isNumber && !lower[j - 1].isLetter), let end = date(at: j, lower) {
                    found.append(j..<end)
                    break
                }
                j += 1
            }
            i = from
        }
        return found
    }

    static let months = [
        "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
        "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    ]

    /// The end of a date starting at `i` (lower-cased characters), if one does.
    static func date(at i: Int, _ c: [Character]) -> Int? {
        func digits(_ j: Int) -> Int {
            var n = 0
            while j + n < c.count, c[j + n].isASCII, c[j + n].isNumber { n += 1 }
            return n
        }
        let first = digits(i)
        guard first > 0 else { return nil }
        var j = i + first
        // Numeric: d/m/y, y-m-d (separators / - .).
        if j < c.count, "/-.".contains(c[j]), digits(j + 1) > 0 {
            let second = digits(j + 1)
            let k = j + 1 + second
            if k < c.count, "/-.".contains(c[k]), (2...4).contains(digits(k + 1)), first <= 4, second <= 2 {
                return k + 1 + digits(k + 1)
            }
            return nil
        }
        // Words: 12 March 2014, 12th of March 2014.
        guard first <= 2 else { return nil }
        for suffix in ["st", "nd", "rd", "th"] where j + 2 <= c.count && String(c[j..<j + 2]) == suffix { j += 2 }
        while j < c.count, c[j] == " " { j += 1 }
        if j + 3 <= c.count, String(c[j..<j + 3]) == "of " { j += 3 }
        var letters = 0
        while j + letters < c.count, c[j + letters].isLetter { letters += 1 }
        guard letters > 0, months.contains(String(c[j..<j + letters])) else { return nil }
        j += letters
        if j < c.count, c[j] == "." { j += 1 }
        while j < c.count, c[j] == " " || c[j] == "," { j += 1 }
        let year = digits(j)
        return year == 4 ? j + 4 : nil
    }

    /// Runs of one to three words the plan protects (asked lower-cased, single-spaced).
    /// The words of a text: runs of letters, with an apostrophe or hyphen between letters
    /// ("O'Neill", "Jean-Paul") inside a word.
    static func words(_ chars: [Character]) -> [Range<Int>] {
        var words: [Range<Int>] = []
        var i = 0
        while i < chars.count {
            guard chars[i].isLetter else {
                i += 1
                continue
            }
            var j = i
            while j < chars.count,
                chars[j].isLetter
                    || ((chars[j] == "'" || chars[j] == "’" || chars[j] == "-") && j + 1 < chars.count
                        && chars[j + 1].isLetter)
            {
                j += 1
            }
            words.append(i..<j)
            i = j
        }
        return words
    }

    /// The most words a protected name may have.
    public static let maxNameWords = 3

    /// A protected name as the screener compares it: its words lower-cased, one space
    /// apart ("Child  M" is "child m"); `nil` when it has no word or more than three.
    public static func nameKey(_ name: String) -> String? {
        let chars = Array(name)
        let words = Self.words(chars)
        guard (1...maxNameWords).contains(words.count) else { return nil }
        return words.map { String(chars[$0]).lowercased() }.joined(separator: " ")
    }

    static func names(_ chars: [Character], _ isProtected: (String) -> Bool) -> [Range<Int>] {
        let words = Self.words(chars)
        var found: [Range<Int>] = []
        var w = 0
        while w < words.count {
            var matched: Range<Int>?
            for n in stride(from: min(maxNameWords, words.count - w), through: 1, by: -1) {
                let text = words[w..<w + n].map { String(chars[$0]).lowercased() }.joined(separator: " ")
                // "Ayesha's" is Ayesha.
                let stem = text.hasSuffix("'s") || text.hasSuffix("’s") ? String(text.dropLast(2)) : nil
                if isProtected(text) || stem.map(isProtected) == true {
                    matched = words[w].lowerBound..<words[w + n - 1].upperBound
                    w += n
                    break
                }
            }
            if let matched { found.append(matched) } else { w += 1 }
        }
        return found
    }
}
