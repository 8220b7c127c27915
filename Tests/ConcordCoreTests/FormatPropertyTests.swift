import ConcordCodec
import ConcordCore
import ConcordTestSupport
import ConcordWire
import PropertyBased
import Testing

/// Every format Concord writes (records, changes and results as the agent journals and the
/// hub stores them, the API bodies, migration trees), over random values: see
/// ``FormatLaws``. A failure prints the seed that reproduces it (`.fixedSeed(...)`).
@Suite("Formats, property-based")
struct FormatPropertyTests {
    /// A generator of `T` from one of ``Arbitrary``'s makers.
    static func gen<T: Sendable>(
        _ make: @Sendable @escaping (inout Arbitrary<SeededBridge>) -> T
    ) -> Generator<T, Shrink.None<T>> {
        Generator { rng in
            var arbitrary = Arbitrary(SeededBridge(base: rng))
            let value = make(&arbitrary)
            rng = arbitrary.rng.base
            return value
        }
    }

    static func check<T: JSONValue & Equatable & Sendable>(
        _ make: @Sendable @escaping (inout Arbitrary<SeededBridge>) -> T
    ) async {
        await propertyCheck(count: 200, input: gen(make)) { value in
            let broken = FormatLaws.broken(by: value)
            #expect(broken.isEmpty, "\(broken.joined(separator: "\n"))")
        }
    }

    @Test func actions() async { await Self.check { $0.action() } }
    @Test func changes() async { await Self.check { $0.change() } }
    @Test func pushRequests() async { await Self.check { PushRequest(changes: $0.list(0...3) { $0.change() }) } }
    @Test func results() async { await Self.check { $0.result() } }
    @Test func pushResponses() async { await Self.check { PushResponse(results: $0.list(0...3) { $0.result() }) } }
    @Test func pulls() async { await Self.check { $0.pull() } }
    @Test func conflicts() async { await Self.check { $0.conflictRecord() } }
    @Test func planSummaries() async { await Self.check { $0.planSummary() } }
    @Test func fieldValues() async { await Self.check { $0.fieldValue() } }

    /// A migration's tree: the fast reader and writer only (Codable reads numbers as numbers,
    /// and a tree is never read by Codable).
    @Test func trees() async {
        await propertyCheck(count: 200, input: Self.gen { $0.tree() }) { tree in
            #expect((try? JSONTree.decode(json: tree.json)) == tree)
        }
    }
}

/// The property checker's generator, as the `RandomNumberGenerator` ``Arbitrary`` takes.
struct SeededBridge: RandomNumberGenerator {
    var base: any SeededRandomNumberGenerator
    mutating func next() -> UInt64 { base.next() }
}
