// libFuzzer targets for Concord's parsers, its persisted formats and the merge (built and
// run by scripts/fuzz). The target is chosen by CONCORD_FUZZ_TARGET:
//
//   json     the fast JSON reader against Codable: whatever the fast reader accepts, Codable
//            must accept and read to the same value (records, pull answers, pushes); and a
//            migration's JSON tree writes back to what it read
//   control  the control socket's request-head parser: never crashes, never claims more
//            bytes than it was given, and a head it accepts parses the same from any split
//   csv      the CSV parser and plan import: a plan that imports, exports and imports back
//            to the same plan, and its export holds no cell a spreadsheet would run
//   merge    structure-aware: random changes against random records (from the fuzzer's
//            bytes), checking the merge's own invariants
//   screen   identifier screening: every finding inside the text; the byte-per-character
//            path for ASCII finds what the path for any text finds; and a redaction of a
//            kind leaves none of that kind
//
// Compiled into the same module as the code it tests, so internal types are reachable.

#if canImport(Glibc)
    import Glibc
#endif
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

enum FuzzTarget: String {
    case json, control, csv, merge, screen

    static let chosen: FuzzTarget = {
        guard let name = getenv("CONCORD_FUZZ_TARGET").map({ String(cString: $0) }),
            let target = FuzzTarget(rawValue: name)
        else {
            say("set CONCORD_FUZZ_TARGET to json, control, csv, merge or screen")
            exit(2)
        }
        return target
    }()
}

/// A line on standard error.
func say(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

/// A failed invariant: the message and an abort, so libFuzzer keeps the input.
func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() {
        say("invariant broken: \(message())")
        abort()
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = data.map { UnsafeBufferPointer(start: $0, count: size) } ?? UnsafeBufferPointer(start: nil, count: 0)
    switch FuzzTarget.chosen {
    case .json: fuzzJSON(bytes)
    case .control: fuzzControl(bytes)
    case .csv: fuzzCSV(bytes)
    case .merge: fuzzMerge(bytes)
    case .screen: fuzzScreen(bytes)
    }
    return 0
}

// MARK: json

func fuzzJSON(_ bytes: UnsafeBufferPointer<UInt8>) {
    differential(Action.self, bytes)
    differential(PullResponse.self, bytes)
    differential(PushRequest.self, bytes)
    // A migration's tree writes back to what it read (numbers keep their text).
    var reader = JSONReader(bytes)
    if let tree = try? JSONTree(reading: &reader), (try? reader.end()) != nil {
        let again = tree.json.withUnsafeBufferPointer { buffer in
            var r = JSONReader(buffer)
            return try? JSONTree(reading: &r)
        }
        check(again == tree, "a JSON tree changed when written and read again")
    }
}

/// The fast reader may refuse what Codable reads (it then falls back), but what it reads
/// must be exactly what Codable reads.
func differential<T: JSONValue & Equatable>(_ type: T.Type, _ bytes: UnsafeBufferPointer<UInt8>) {
    guard bytes.count > 0 else { return }
    var reader = JSONReader(bytes)
    guard let fast = try? T(reading: &reader), (try? reader.end()) != nil else { return }
    let codable = try? JSONDecoder().decode(T.self, from: Data(bytes))
    check(codable != nil, "the fast reader accepted a \(T.self) that Codable refuses")
    check(codable == fast, "the fast reader read a \(T.self) differently from Codable")
}

// MARK: control

func fuzzControl(_ bytes: UnsafeBufferPointer<UInt8>) {
    let all = ArraySlice(bytes)
    let whole: (ControlRequestHead, Int)?
    do { whole = try ControlRequestHead.parse(all) } catch { return }
    guard let (head, used) = whole else { return }
    check(used > 0 && used <= bytes.count, "parse claimed \(used) of \(bytes.count) bytes")
    // The same head, cut short anywhere before its end, is incomplete (nil), never an error
    // nor a different head.
    for cut in stride(from: 0, to: used, by: max(1, used / 8)) {
        let part = try? ControlRequestHead.parse(all.prefix(cut))
        check(part == nil || part! == nil, "a head cut at \(cut) of \(used) bytes parsed")
    }
    check((try? ControlRequestHead.parse(all.prefix(used)))??.0 == head, "the head alone parses differently")
}

// MARK: csv

let fuzzAgencies: Set<AgencyID> = Set(["lscp", "csc", "police", "icb", "education"].map { try! AgencyID($0) })

func fuzzCSV(_ bytes: UnsafeBufferPointer<UInt8>) {
    let text = String(decoding: bytes, as: UTF8.self)
    _ = try? CSV.parse(text)
    guard
        let imported = try? PlanCSV.importPlan(
            text, id: try! PlanID("fuzz"), title: "Fuzz", knownAgencies: fuzzAgencies)
    else { return }
    let exported = PlanCSV.export(imported.plan)
    let again: PlanCSV.Imported
    do {
        again = try PlanCSV.importPlan(exported, id: try! PlanID("fuzz"), title: "Fuzz", knownAgencies: fuzzAgencies)
    } catch {
        check(false, "an exported plan does not import: \(error)")
        return
    }
    check(again.plan == imported.plan, "a plan changed through export and import")
    for row in (try? CSV.parse(exported))?.dropFirst() ?? [] {
        for cell in row.cells {
            check(!["=", "+", "-", "@"].contains(cell.first.map(String.init) ?? ""), "exported a formula cell")
        }
    }
}

// MARK: merge

/// Takes values from the fuzzer's bytes, as a structure-aware fuzzer does.
struct Bytes {
    var rest: Slice<UnsafeBufferPointer<UInt8>>
    mutating func next() -> UInt8 { rest.popFirst() ?? 0 }
    mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(next()) % n }
    mutating func pick<T>(_ choices: [T]) -> T { choices[below(choices.count)] }
    mutating func bool() -> Bool { next() & 1 == 1 }
}

let agencyPool = ["lscp", "csc", "police", "icb", "education", "fire"]
let textPool = [
    "", " ", "Drafted", "Live", "Done", "Audit of 20 cases", "bell\u{07}", "Paid \u{202E}0001", "line\r\nbreak",
    String(repeating: "x", count: 8001), "2026-02-28", "2026-02-30", "green", "amber", "blue", "red", "purple",
]
let datePool = ["2026-01-31", "2026-02-28", "2026-06-30", "2026-02-30", "", "not a date"]

func randomValue(_ field: Field, _ b: inout Bytes) -> FieldValue {
    switch b.below(8) {
    case 0: return .null
    case 1: return .flag(b.bool())
    case 2: return .list((0..<b.below(4)).map { _ in b.pick(agencyPool) })
    default: break
    }
    switch field.kind {
    case .date: return .text(b.pick(datePool))
    case .agency: return .text(b.pick(agencyPool))
    case .agencyList: return .list((0..<b.below(4)).map { _ in b.pick(agencyPool) })
    case .flag: return .flag(b.bool())
    default: return .text(b.pick(textPool))
    }
}

func randomRecord(_ b: inout Bytes) -> Action? {
    guard b.below(8) > 0 else { return nil }
    var record = Action(
        plan: try! PlanID("child-m"), ref: try! ActionRef("2.1"), revision: Int64(b.below(5)), title: "Revise",
        ownerAgency: try! AgencyID(b.pick(["csc", "police"])),
        supportingAgencies: b.bool() ? [try! AgencyID("police")] : [])
    for field in Field.allCases where b.bool() {
        _ = record.set(field, to: randomValue(field, &b))
    }
    if record.title.isEmpty { record.title = "Revise" }
    for _ in 0..<b.below(3) {
        record.evidence.append(
            EvidenceItem(
                id: UUID(uuid: (b.next(), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1)),
                kind: b.pick([.output, .impact]),
                summary: b.pick(textPool), author: try! AgencyID(b.pick(["csc", "police"]))))
    }
    return record
}

func randomChange(_ b: inout Bytes, on record: Action?) -> Change {
    var set: [String: FieldChange] = [:]
    for _ in 0..<b.below(4) {
        let field = b.pick(Field.allCases)
        let from = b.bool() ? (record?.value(of: field) ?? .null) : randomValue(field, &b)
        set[b.below(16) == 0 ? "colour" : field.rawValue] = FieldChange(from: from, to: randomValue(field, &b))
    }
    var append: [Append] = []
    for _ in 0..<b.below(3) {
        let id = UUID(uuid: (b.next(), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1))
        switch b.below(3) {
        case 0:
            append.append(
                .evidence(
                    EvidenceItem(
                        id: id, kind: b.pick([.output, .impact]), summary: b.pick(textPool),
                        author: try! AgencyID("csc"))))
        case 1: append.append(.note(ProgressNote(id: id, text: b.pick(textPool), author: try! AgencyID("csc"))))
        default: append.append(.retract(RetractItem(item: id, reason: b.pick(textPool))))
        }
    }
    return Change(
        action: try! ActionAddress("child-m/2.1"), baseRevision: Int64(b.below(5)), create: b.below(8) == 0, set: set,
        append: append, reason: b.bool() ? b.pick(textPool) : nil)
}

func fuzzMerge(_ bytes: UnsafeBufferPointer<UInt8>) {
    var b = Bytes(rest: bytes[...])
    let record = randomRecord(&b)
    let change = randomChange(&b, on: record)
    let role: Role = b.pick([.agency, .admin, .viewer])
    let context = MergeContext(
        actor: try! AgencyID(b.pick(["csc", "police", "education", "lscp"])), role: role,
        now: Timestamp(millisecondsSinceEpoch: 1_795_000_000_000), knownAgencies: fuzzAgencies)
    let result = merge(change, into: record, context: context)

    check(result.violations.count <= FieldRules.maxViolationsPerChange, "more violations than the cap")
    switch result.outcome {
    case .rejected:
        check(result.record == record, "a rejected change changed the record")
        check(!result.violations.isEmpty, "a rejection without a reason")
        check(!result.changed, "a rejected change reports a change")
    case .conflict:
        check(!result.conflicts.isEmpty, "a conflict outcome without conflicts")
    case .applied, .merged:
        check(result.conflicts.isEmpty, "conflicts on a change that was taken")
    }
    if result.outcome != .rejected {
        check(role != .viewer, "a viewer's change was taken")
        guard let after = result.record else { return check(false, "a taken change without a record") }
        check(result.changed == (after != record), "changed does not say whether the record changed")
        check(after.revision == (record?.revision ?? 0) + (result.changed ? 1 : 0), "the revision moved wrongly")
        for conflict in result.conflicts {
            check(after.value(of: conflict.field) == record?.value(of: conflict.field), "a conflicting field moved")
        }
        // Replaying the same change changes nothing more (retries are free and safe).
        let again = merge(change, into: after, context: context)
        check(!again.changed, "a replayed change changed the record again")
    }
}

// MARK: screen

let fuzzScreener = Screener(isProtected: { ["liam smith", "ayesha", "siân"].contains($0) })

func fuzzScreen(_ bytes: UnsafeBufferPointer<UInt8>) {
    let text = String(decoding: bytes, as: UTF8.self)
    let count = text.count
    let found = fuzzScreener.findings(in: text, field: "note")
    for f in found {
        check(f.start >= 0 && f.length > 0 && f.start + f.length <= count, "a finding outside the text: \(f)")
    }
    // A non-ASCII word after a space takes the text off the byte-per-character path and
    // changes nothing before it.
    let wider = fuzzScreener.findings(in: text + " é", field: "note")
    check(wider == found, "the ASCII path and the general path disagree: \(found) against \(wider)")
    for kind in Set(found.map(\.kind)) {
        guard let redacted = fuzzScreener.redacting(text, kinds: [kind]) else {
            check(false, "\(kind) found but not redacted")
            continue
        }
        let left = fuzzScreener.findings(in: redacted, field: "note").filter { $0.kind == kind }
        check(left.isEmpty, "\(kind) left after its redaction: \(left)")
    }
}
