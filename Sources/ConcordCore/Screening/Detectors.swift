/// The detectors behind ``Screener``: hand-written scanners over a text's characters, one
/// byte each (``Scanned``); no regular expressions: they run on every edit, and each rule is
/// easier to read as code.
extension Screener {
    /// Digits in groups joined by a space, a hyphen or brackets ("943 476 5919",
    /// "(020) 7946-0018"), not run into letters or other digits.
    struct DigitRun {
        /// The digits' values, 0-9.
        var digits: [UInt8]
        /// Each group's characters.
        var groups: [Range<Int>]
        var range: Range<Int>

        /// The digits of groups `g..<h`.
        func digits(_ g: Int, _ h: Int) -> ArraySlice<UInt8> {
            let start = groups[..<g].reduce(0) { $0 + $1.count }
            let count = groups[g..<h].reduce(0) { $0 + $1.count }
            return digits[start..<start + count]
        }

        /// Runs of whole groups holding exactly ten digits that are an NHS number: the whole run,
        /// or part of one ("0 943 476 5919", where a stray digit joined it).
        var nhsNumbers: [Range<Int>] {
            guard digits.count >= 10 else { return [] }
            var found: [Range<Int>] = []
            for g in groups.indices {
                var count = 0
                for h in g..<groups.count {
                    count += groups[h].count
                    if count == 10, Screener.isNHSNumber(digits(g, h + 1)),
                        !found.contains(where: { $0.overlaps(groups[g].lowerBound..<groups[h].upperBound) })
                    {
                        found.append(groups[g].lowerBound..<groups[h].upperBound)
                    }
                    if count >= 10 { break }
                }
            }
            return found
        }
    }

    static let separators = table(" -()")

    // Long: one scan, with the rules for where a run may start, how its groups join and where it ends.
    static func digitRuns(_ c: [UInt8]) -> [DigitRun] {
        var runs: [DigitRun] = []
        var i = 0
        func isDigit(_ j: Int) -> Bool { j >= 0 && j < c.count && c[j].isDigit }
        let slash = UInt8(ascii: "/")
        let hyphen = UInt8(ascii: "-")
        while i < c.count {
            // Not run into letters or digits, nor a code's number ("DOC-07700900123").
            guard c[i].isDigit else {
                i += 1
                continue
            }
            // "NHS-943-476-5919" is an NHS number, not a code.
            let nhs = i > 3 && c[(i - 4)..<(i - 1)].elementsEqual("nhs".utf8) && (i == 4 || !c[i - 5].isLetterChar)
            let code = i > 1 && c[i - 1] == hyphen && c[i - 2].isLetterChar && !nhs
            guard !code, !(i > 0 && (c[i - 1].isLetterChar || c[i - 1] == slash || c[i - 1].isDigit)) else {
                i += 1
                continue
            }
            var run = DigitRun(digits: [], groups: [], range: i..<i)
            var j = i
            while true {
                let groupStart = j
                while isDigit(j) {
                    run.digits.append(c[j] - 48)
                    j += 1
                }
                run.groups.append(groupStart..<j)
                run.range = i..<j
                // One or two separators, then more digits.
                var k = j
                while k < c.count, k - j < 2, separators[Int(c[k])] { k += 1 }
                guard k > j, isDigit(k) else { break }
                j = k
            }
            i = run.range.upperBound
            // A last group run into letters ("5919 0é", "12/") is a code's, not the number's.
            let after = run.range.upperBound
            if after < c.count, c[after].isLetterChar || c[after] == slash {
                guard run.groups.count > 1, let last = run.groups.popLast() else { continue }
                run.digits.removeLast(last.count)
                run.range = run.range.lowerBound..<run.groups[run.groups.count - 1].upperBound
            }
            runs.append(run)
        }
        return runs
    }

    /// Ten digits, run together or grouped (3-3-4), not starting with 0 (that is a phone
    /// number's), passing the modulus 11 check.
    static func isNHSNumber(_ digits: some Collection<UInt8>) -> Bool {
        let d = Array(digits)
        guard d.count == 10, d[0] != 0, d.contains(where: { $0 != d[0] }) else { return false }
        let sum = (0..<9).reduce(0) { $0 + Int(d[$1]) * (10 - $1) }
        let check = 11 - sum % 11
        guard check != 10 else { return false }
        return (check == 11 ? 0 : check) == Int(d[9])
    }

    /// Words that, just before a number, make it a reference, not a phone number.
    static let referenceWords: [[UInt8]] = ["ref", "ref.", "reference", "case", "no", "no.", "#", "id", "number"].map {
        Array($0.utf8)
    }

    /// Words that, before "no." or "number", say a phone number follows ("Tel no.", "mobile number").
    static let phoneWords: [[UInt8]] = [
        "tel", "tel.", "telephone", "phone", "mobile", "mob", "mob.", "contact", "fax", "landline", "home", "work",
    ].map { Array($0.utf8) }

    /// A UK number: 0 then 9 or 10 digits (01, 02, 03, 05, 07, 08, 09), or the same after
    /// +44 (with or without "(0)"); not when a reference word comes just before it ("ref 0161
    /// 496 0000", "case no. 0161…"), unless a phone word comes before that ("Tel no. 0161…").
    static func isPhone(_ run: DigitRun, in c: [UInt8]) -> Bool {
        var national = run.digits
        if national.starts(with: [4, 4]), plus(before: run, in: c) != nil {
            national = national.dropFirst(2).first == 0 ? Array(national.dropFirst(2)) : [0] + national.dropFirst(2)
        }
        guard national.first == 0, (10...11).contains(national.count), [1, 2, 3, 5, 7, 8, 9].contains(national[1])
        else { return false }
        let before = c[max(0, run.range.lowerBound - 32)..<run.range.lowerBound]
        let inWord = { (b: UInt8) in b.isLetterChar || b == UInt8(ascii: "#") || b == UInt8(ascii: ".") }
        let words = before.split(whereSeparator: { !inWord($0) })
        if let last = words.last, referenceWords.contains(Array(last)) {
            let saysPhone = words.count > 1 && phoneWords.contains(Array(words[words.count - 2]))
            return saysPhone && ["no", "no.", "number"].map { Array($0.utf8) }.contains(Array(last))
        }
        return true
    }

    /// The index of a `+` just before the run (spaces allowed), if any.
    static func plus(before run: DigitRun, in c: [UInt8]) -> Int? {
        var k = run.range.lowerBound - 1
        while k >= 0, c[k] == UInt8(ascii: " ") { k -= 1 }
        return k >= 0 && c[k] == UInt8(ascii: "+") ? k : nil
    }

    /// A phone run with its leading `+` or `(`.
    static func phoneRange(_ run: DigitRun, in c: [UInt8]) -> Range<Int> {
        if let p = plus(before: run, in: c) { return p..<run.range.upperBound }
        let start = run.range.lowerBound
        return start > 0 && c[start - 1] == UInt8(ascii: "(") ? (start - 1)..<run.range.upperBound : run.range
    }
}
