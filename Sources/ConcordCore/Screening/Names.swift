/// Protected names: runs of one to three words a plan protects, asked of a ``NameMatcher``
/// by their key (words lower-cased, one space apart, as UTF-8).
extension Screener {
    /// The most words a protected name may have.
    public static let maxNameWords = 3

    /// The words of a text: runs of letters, with an apostrophe or hyphen between letters
    /// ("O'Neill", "Jean-Paul") inside a word.
    static func words(_ c: [UInt8]) -> [Range<Int>] {
        var words: [Range<Int>] = []
        var i = 0
        func joins(_ j: Int) -> Bool {
            (c[j] == UInt8(ascii: "'") || c[j] == Scanned.apostrophe || c[j] == UInt8(ascii: "-"))
                && j + 1 < c.count && c[j + 1].isLetterChar
        }
        while i < c.count {
            guard c[i].isLetterChar else {
                i += 1
                continue
            }
            var j = i
            while j < c.count, c[j].isLetterChar || joins(j) { j += 1 }
            words.append(i..<j)
            i = j
        }
        return words
    }

    /// A word's key: its characters lower-cased, as UTF-8 (without a copy of the text when
    /// it is ASCII, as most words are).
    static func key(_ range: Range<Int>, _ text: Scanned) -> ArraySlice<UInt8> {
        let bytes = text.c[range]
        if bytes.allSatisfy({ $0 < 0x80 }) { return bytes }
        // O’Neill is O'Neill.
        let lower = text.string(range).lowercased().map { $0 == "’" ? "'" : $0 }
        return ArraySlice(String(lower).utf8)
    }

    /// A protected name as the screener compares it: its words lower-cased, one space
    /// apart ("Child  M" is "child m"); `nil` when it has no word or more than three.
    public static func nameKey(_ name: String) -> String? {
        nameKeys(name).map { String(decoding: Array($0.joined(separator: [UInt8(ascii: " ")])), as: UTF8.self) }
    }

    /// A name's words' keys; `nil` when it has no word or more than three.
    public static func nameKeys(_ name: String) -> [[UInt8]]? {
        let text = Scanned(name)
        let words = Self.words(text.c)
        guard (1...maxNameWords).contains(words.count) else { return nil }
        return words.map { Array(key($0, text)) }
    }

    /// "ayesha's" is "ayesha": the key without a possessive 's (straight or curly), if it
    /// has one.
    static func stem(_ key: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        let n = key.count
        guard n > 2, key[key.endIndex - 1] == UInt8(ascii: "s") else { return nil }
        let end = key.endIndex
        if key[end - 2] == UInt8(ascii: "'") { return key[..<(end - 2)] }
        // ’ is E2 80 99 in UTF-8.
        if n > 4, key[end - 2] == 0x99, key[end - 3] == 0x80, key[end - 4] == 0xE2 { return key[..<(end - 4)] }
        return nil
    }

    /// The protected names in a text, longest match first at each word.
    static func names(_ text: Scanned, _ matcher: NameMatcher) -> [Range<Int>] {
        let words = Self.words(text.c)
        var found: [Range<Int>] = []
        var w = 0
        while w < words.count {
            let first = key(words[w], text)
            guard matcher.mayBegin(first) || stem(first).map(matcher.mayBegin) == true else {
                w += 1
                continue
            }
            var matched: Range<Int>?
            for n in stride(from: min(maxNameWords, words.count - w), through: 1, by: -1) {
                var window = first
                for next in words[(w + 1)..<(w + n)] {
                    window.append(UInt8(ascii: " "))
                    window += key(next, text)
                }
                if matcher.isProtected(window) || stem(window).map(matcher.isProtected) == true {
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
