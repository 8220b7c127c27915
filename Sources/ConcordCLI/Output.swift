import ConcordCodec
import ConcordCore

#if canImport(Glibc)
    import Glibc
#endif

/// Everything concordctl prints goes through here. Text reaches the hub from every agency,
/// and older records may hold characters that a terminal acts on (escape sequences that move
/// the cursor or clear the screen, a carriage return that overwrites a line, bidi controls
/// that reorder what follows): printed, they are shown as `⟨U+1B⟩`, so the screen shows what
/// is stored and nothing else.
enum Terminal {
    /// Whether a terminal would act on this scalar instead of showing it: C0 controls other
    /// than tab and line feed, DEL, C1 controls, and bidi embeddings, overrides and isolates.
    static func isUnsafe(_ v: UInt32) -> Bool {
        (v < 0x20 && v != 0x09 && v != 0x0A) || (v >= 0x7F && v <= 0x9F) || FieldRules.isBidiControl(v)
    }

    /// `text` with every unsafe scalar shown as `⟨U+XXXX⟩`. A carriage return that ends a
    /// line (CRLF, as in exported CSV) is a line end, and stays.
    static func safe(_ text: String) -> String {
        replacingUnsafe(in: text, keepCRLF: true) { "⟨U+\(String($0, radix: 16, uppercase: true))⟩" }
    }

    /// JSON text with every unsafe scalar written as a `\uXXXX` escape: the same JSON values,
    /// safe on a terminal. (Outside strings JSON holds none of them.)
    static func safeJSON(_ json: String) -> String {
        replacingUnsafe(in: json, keepCRLF: false) { v in
            let hex = String(v, radix: 16, uppercase: true)
            return "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        }
    }

    /// `text` with each unsafe scalar replaced by `replacement` of its value.
    private static func replacingUnsafe(
        in text: String, keepCRLF: Bool, _ replacement: (UInt32) -> String
    ) -> String {
        guard text.unicodeScalars.contains(where: { isUnsafe($0.value) }) else { return text }
        var out = String.UnicodeScalarView()
        let scalars = Array(text.unicodeScalars)
        for (i, scalar) in scalars.enumerated() {
            let lineEnd = keepCRLF && scalar == "\r" && i + 1 < scalars.count && scalars[i + 1] == "\n"
            if isUnsafe(scalar.value) && !lineEnd {
                out.append(contentsOf: replacement(scalar.value).unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }
}

/// concordctl's `print`: as Swift's, with what it prints made safe for a terminal.
func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {
    Swift.print(Terminal.safe(items.map { "\($0)" }.joined(separator: separator)), terminator: terminator)
}

/// Prints JSON for scripts, with terminal controls escaped inside its strings.
func printJSON(_ value: some Encodable) throws {
    Swift.print(Terminal.safeJSON(String(decoding: try ConcordJSON.encode(value), as: UTF8.self)))
}

/// Prints one line on standard error, made safe for a terminal.
func printError(_ line: String) {
    var bytes = Array(Terminal.safe(line).utf8)
    if bytes.last != 0x0A { bytes.append(0x0A) }
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}
