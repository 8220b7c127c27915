/// The detectors behind ``Screener``: hand-written scanners over a text's characters (no
/// regular expressions: they run on every edit, and each rule is easier to read as code).
extension Screener {
    /// Digits in groups joined by a space, a hyphen or brackets ("943 476 5919",
    /// "(020) 7946-0018"), not run into letters or other digits.
    struct DigitRun {
        var digits: String
        /// Each group's characters.
        var groups: [Range<Int>]
        var range: Range<Int>

        /// The digits of groups `g..<h`.
        func digits(_ g: Int, _ h: Int) -> Substring {
            let start = groups[..<g].reduce(0) { $0 + $1.count }
            let count = groups[g..<h].reduce(0) { $0 + $1.count }
            let from = digits.index(digits.startIndex, offsetBy: start)
            return digits[from..<digits.index(from, offsetBy: count)]
        }

        /// Runs of whole groups holding exactly ten digits that are an NHS number: the whole run,
        /// or part of one ("0 943 476 5919", where a stray digit joined it).
        var nhsNumbers: [Range<Int>] {
            var found: [Range<Int>] = []
            for g in groups.indices {
                var count = 0
                for h in g..<groups.count {
                    count += groups[h].count
                    if count == 10, Screener.isNHSNumber(String(digits(g, h + 1))),
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

    static func digitRuns(_ chars: [Character]) -> [DigitRun] {
        var runs: [DigitRun] = []
        var i = 0
        func isDigit(_ j: Int) -> Bool { j >= 0 && j < chars.count && chars[j].isASCII && chars[j].isNumber }
        while i < chars.count {
            // Not run into letters or digits, nor a code's number ("DOC-07700900123").
            let code = i > 1 && chars[i - 1] == "-" && chars[i - 2].isLetter
            guard isDigit(i), !code, !(i > 0 && (chars[i - 1].isLetter || chars[i - 1] == "/" || isDigit(i - 1))) else {
                i += 1
                continue
            }
            var run = DigitRun(digits: "", groups: [], range: i..<i)
            var j = i
            while true {
                let groupStart = j
                while isDigit(j) {
                    run.digits.append(chars[j])
                    j += 1
                }
                run.groups.append(groupStart..<j)
                run.range = i..<j
                // One or two separators, then more digits.
                var k = j
                while k < chars.count, k - j < 2, [" ", "-", "(", ")"].contains(chars[k]) { k += 1 }
                guard k > j, isDigit(k) else { break }
                j = k
            }
            i = run.range.upperBound
            // A last group run into letters ("5919 0é", "12/") is a code's, not the number's.
            let after = run.range.upperBound
            if after < chars.count, chars[after].isLetter || chars[after] == "/" {
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
    static func isNHSNumber(_ digits: String) -> Bool {
        let d = digits.compactMap(\.wholeNumberValue)
        guard d.count == 10, d[0] != 0, Set(d).count > 1 else { return false }
        let sum = (0..<9).reduce(0) { $0 + d[$1] * (10 - $1) }
        let check = 11 - sum % 11
        guard check != 10 else { return false }
        return (check == 11 ? 0 : check) == d[9]
    }

    /// A UK number: 0 then 9 or 10 digits (01, 02, 03, 05, 07, 08, 09), or the same after +44;
    /// not when a reference word comes just before it ("ref 0161 496 0000").
    static func isPhone(_ run: DigitRun, in chars: [Character]) -> Bool {
        var national = run.digits
        if national.hasPrefix("44"), plus(before: run, in: chars) != nil { national = "0" + national.dropFirst(2) }
        guard national.hasPrefix("0"), (10...11).contains(national.count),
            let second = national.dropFirst().first, "1235789".contains(second)
        else { return false }
        let before = String(chars[max(0, run.range.lowerBound - 16)..<run.range.lowerBound]).lowercased()
        let words = before.split(whereSeparator: { !$0.isLetter && $0 != "#" && $0 != "." })
        if let last = words.last, ["ref", "ref.", "reference", "case", "no", "no.", "#", "id", "number"].contains(last)
        {
            return false
        }
        return true
    }

    /// The index of a `+` just before the run (spaces allowed), if any.
    static func plus(before run: DigitRun, in chars: [Character]) -> Int? {
        var k = run.range.lowerBound - 1
        while k >= 0, chars[k] == " " { k -= 1 }
        return k >= 0 && chars[k] == "+" ? k : nil
    }

    /// A phone run with its leading `+` or `(`.
    static func phoneRange(_ run: DigitRun, in chars: [Character]) -> Range<Int> {
        if let p = plus(before: run, in: chars) { return p..<run.range.upperBound }
        let start = run.range.lowerBound
        return start > 0 && chars[start - 1] == "(" ? (start - 1)..<run.range.upperBound : run.range
    }
}
