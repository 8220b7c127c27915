import Testing

@testable import ConcordHTTP

/// The agent's stream reader must give back exactly the lines sent, however the bytes are cut.
@Suite("Line splitter")
struct LineSplitterTests {
    @Test func everyWayOfCuttingTheBytes_givesTheSameLines() {
        let lines = ["{\"a\":1}", String(repeating: "x", count: 5000), "é✓", "{}", "last"]
        let bytes = Array((lines.joined(separator: "\n") + "\n\n").utf8)
        for chunk in [1, 2, 3, 7, 64, 4096, bytes.count] {
            var splitter = LineSplitter()
            var got: [String] = []
            for start in stride(from: 0, to: bytes.count, by: chunk) {
                bytes[start..<min(start + chunk, bytes.count)].withUnsafeBufferPointer { part in
                    splitter.split(part) { got.append(String(decoding: $0, as: UTF8.self)) }
                }
            }
            #expect(got == lines, "chunks of \(chunk)")
            #expect(splitter.partial.isEmpty)
        }
    }

    @Test func aLineWithoutItsNewline_isHeldBack() {
        var splitter = LineSplitter()
        var got: [[UInt8]] = []
        Array("one\ntw".utf8).withUnsafeBufferPointer { splitter.split($0) { got.append($0) } }
        #expect(got == [Array("one".utf8)])
        #expect(splitter.partial == Array("tw".utf8))
    }
}
