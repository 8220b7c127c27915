import ConcordCodec
import ConcordCore
import ConcordTestSupport
import ConcordWire
import Foundation

/// The codec against Codable through Foundation's `JSONEncoder`/`JSONDecoder`, on the same
/// values in the same run: what the one-definition codec (Shape) costs and saves.
enum CodecBench {
    static func run() throws {
        var arbitrary = Arbitrary(SystemRandomNumberGenerator())
        // Records as the sample plans hold them, with notes and evidence, and random text.
        let actions = (0..<20_000).map { _ in arbitrary.action() }
        let pull = PullResponse(actions: actions, cursor: 1, more: false, conflicts: [])
        let changes = PushRequest(changes: (0..<20_000).map { _ in arbitrary.change() })
        print("| what | values | codec ms | Codable ms | Codable / codec |")
        print("| --- | ---: | ---: | ---: | ---: |")
        try compare("write a pull of records", pull, count: actions.count)
        try compare("write a push of changes", changes, count: changes.changes.count)
    }

    static func compare<T: JSONValue & Equatable>(_ what: String, _ value: T, count: Int) throws {
        let encoder = ConcordJSON.encoder(pretty: false)
        var bytes: [UInt8] = []
        let write = best { bytes = value.json }
        let encode = try best { _ = try encoder.encode(value) }
        row(what, count, write, encode)
        var read: T?
        let fast = try best { read = try T.decode(json: bytes) }
        let data = Data(bytes)
        let decode = try best { _ = try JSONDecoder().decode(T.self, from: data) }
        precondition(read == value)
        row(what.replacingOccurrences(of: "write", with: "read"), count, fast, decode)
    }

    static func row(_ what: String, _ count: Int, _ codec: Double, _ codable: Double) {
        print(
            "| \(what) | \(count) | \(HubBench.fmt(codec)) | \(HubBench.fmt(codable)) | \(HubBench.fmt(codable / codec)) |"
        )
    }

    /// The best of five runs, in ms.
    static func best(_ body: () throws -> Void) rethrows -> Double {
        var times: [Double] = []
        for _ in 0..<5 {
            let start = ContinuousClock.now
            try body()
            times.append((ContinuousClock.now - start).seconds * 1000)
        }
        return times.min()!
    }
}
