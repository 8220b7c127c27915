import ConcordCodec
import ConcordCore
import ConcordWire

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Random values of every type Concord writes to disk or the wire, for property-based tests
/// of the formats: any value of the type, not only ones the merge would make (every
/// optional both ways, text with escapes, controls, non-ASCII and astral characters).
public struct Arbitrary<G: RandomNumberGenerator> {
    /// The generator every value is drawn from: seed it to repeat a run.
    public var rng: G

    /// Values drawn from `rng`.
    public init(_ rng: G) { self.rng = rng }

    /// `true` or `false`, evenly.
    public mutating func bool() -> Bool { Bool.random(using: &rng) }
    /// A whole number in `range`, evenly.
    public mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }
    /// Half the time a small number (-1000...1000), else any `Int64`, extremes included.
    public mutating func int64() -> Int64 {
        bool() ? Int64.random(in: -1000...1000, using: &rng) : Int64.random(in: .min ... .max, using: &rng)
    }
    /// Half the time `nil`, else a value from `make`.
    public mutating func maybe<T>(_ make: (inout Self) -> T) -> T? { bool() ? make(&self) : nil }
    /// A list of `make`'s values, its length drawn from `count`.
    public mutating func list<T>(_ count: ClosedRange<Int>, _ make: (inout Self) -> T) -> [T] {
        (0..<int(count)).map { _ in make(&self) }
    }
    /// One of `choices`, which must not be empty.
    public mutating func pick<T>(_ choices: [T]) -> T { choices[int(0...choices.count - 1)] }

    static var characters: [Character] {
        arbitraryCharacters
    }

    /// Any text: escapes, controls, non-ASCII, astral characters.
    public mutating func text(_ length: ClosedRange<Int> = 0...24) -> String {
        String((0..<int(length)).map { _ in pick(Self.characters) })
    }
}

private let arbitraryCharacters: [Character] = [
    "a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\r", "\u{01}", "\u{1F}", "\u{7F}", "\u{85}", "é", "ß", "ŵ",
    "✓", "👍", "\u{202E}", "{", "]", ":", ",", "\u{0}",
]

extension Arbitrary {

    /// A valid agency or plan id: a lower-case letter, then letters, digits and inner hyphens; at most 31 characters.
    public mutating func slug() -> String {
        let letters = Array("abcdefghijklmnopqrstuvwxyz")
        let digits = Array("0123456789")
        var s = String(pick(letters))
        for _ in 0..<int(0...10) {
            s.append(bool() ? pick(letters) : pick(digits))
            if int(0...5) == 0 { s += "-" + String(pick(letters)) }
        }
        return s
    }

    /// Any valid agency id.
    public mutating func agency() -> AgencyID { try! AgencyID(slug()) }
    /// Any valid plan id.
    public mutating func plan() -> PlanID { try! PlanID(slug()) }
    /// A ref from `1.1` to `99.20`.
    public mutating func ref() -> ActionRef { try! ActionRef("\(int(1...99)).\(int(1...20))") }
    /// An address of any plan and ref.
    public mutating func address() -> ActionAddress { ActionAddress(plan: plan(), ref: ref()) }
    /// A new UUID from the system, not from `rng`: ids differ between runs of the same seed.
    public mutating func uuid() -> UUID { UUID() }
    /// Any date from 0001-01-01 to 9999-12-31.
    public mutating func date() -> LocalDate { LocalDate(daysSinceEpoch: int(-719_162...2_932_896)) }
    /// Any millisecond from the start of year 1 to the end of year 9999, UTC.
    public mutating func timestamp() -> Timestamp {
        Timestamp(millisecondsSinceEpoch: Int64.random(in: -62_135_596_800_000...253_402_300_799_999, using: &rng))
    }

    /// Null, any text, a flag or a short list of text: not necessarily valid for any field.
    public mutating func fieldValue() -> FieldValue {
        switch int(0...3) {
        case 0: .null
        case 1: .text(text())
        case 2: .flag(bool())
        default: .list(list(0...3) { $0.text(0...8) })
        }
    }

    /// Any field.
    public mutating func field() -> Field { pick(Field.allCases) }

    /// A retraction with any reason, sometimes stamped with a time.
    public mutating func retraction() -> Retraction {
        Retraction(reason: text(), by: agency(), at: maybe { $0.timestamp() })
    }

    /// An evidence item with every optional part sometimes present.
    public mutating func evidence() -> EvidenceItem {
        EvidenceItem(
            id: uuid(), kind: pick(EvidenceKind.allCases), summary: text(), reference: maybe { $0.text() },
            author: agency(), recordedAt: maybe { $0.timestamp() }, retraction: maybe { $0.retraction() })
    }

    /// A progress note with every optional part sometimes present.
    public mutating func note() -> ProgressNote {
        ProgressNote(
            id: uuid(), text: text(), reference: maybe { $0.text() }, author: agency(),
            recordedAt: maybe { $0.timestamp() }, retraction: maybe { $0.retraction() })
    }

    /// A target-date move, either date sometimes absent.
    public mutating func targetDateChange() -> TargetDateChange {
        TargetDateChange(
            id: uuid(), from: maybe { $0.date() }, to: maybe { $0.date() }, reason: text(), by: agency(),
            at: maybe { $0.timestamp() })
    }

    /// Any action record: optional fields both ways, a few items, supporting agencies in any order with repeats.
    public mutating func action() -> Action {
        var action = Action(
            plan: plan(), ref: ref(), revision: int64(), title: text(), recommendation: maybe { $0.text() },
            description: maybe { $0.text() }, ownerAgency: agency(), leadOfficer: maybe { $0.text() },
            targetDate: maybe { $0.date() }, successMeasure: maybe { $0.text() }, rag: maybe { $0.text(0...6) },
            progress: maybe { $0.text() }, completedOn: maybe { $0.date() }, signOff: maybe { $0.text() },
            archived: bool(), evidence: list(0...3) { $0.evidence() }, notes: list(0...3) { $0.note() },
            targetDateHistory: list(0...2) { $0.targetDateChange() })
        action.supportingAgencies = list(0...3) { $0.agency() }  // as written: any order, repeats
        return action
    }

    /// Evidence, a note or a retraction, evenly.
    public mutating func append() -> Append {
        switch int(0...2) {
        case 0: .evidence(evidence())
        case 1: .note(note())
        default: .retract(RetractItem(item: uuid(), reason: text()))
        }
    }

    /// Any change: field names known or not, values of any kind, a few appends.
    public mutating func change() -> Change {
        let names = list(0...4) { $0.bool() ? $0.field().rawValue : $0.text(0...10) }
        var set: [String: FieldChange] = [:]
        for name in names { set[name] = FieldChange(from: fieldValue(), to: fieldValue()) }
        return Change(
            id: uuid(), action: address(), baseRevision: int64(), create: bool(), set: set,
            append: list(0...3) { $0.append() }, reason: maybe { $0.text() }, madeAt: maybe { $0.timestamp() })
    }

    /// A violation of any rule, with any field name and message.
    public mutating func violation() -> Violation {
        Violation(
            action: address(), field: maybe { $0.text(0...10) }, rule: pick(Violation.Rule.allCases), message: text())
    }

    /// A conflict over any field, with values of any kind.
    public mutating func conflict() -> FieldConflict {
        FieldConflict(field: field(), base: fieldValue(), hub: fieldValue(), incoming: fieldValue())
    }

    /// A change result of any outcome, with a few conflicts, violations and flags.
    public mutating func result() -> ChangeResult {
        ChangeResult(
            id: uuid(), action: address(), outcome: pick(Outcome.allCases), revision: maybe { $0.int64() },
            seq: int64(), conflicts: list(0...2) { ConflictNotice(id: $0.int64(), conflict: $0.conflict()) },
            violations: list(0...2) { $0.violation() }, flags: list(0...2) { $0.violation() })
    }

    /// A conflict record, open or resolved, sometimes with a resolution (whatever its status).
    public mutating func conflictRecord() -> ConflictRecord {
        ConflictRecord(
            id: int64(), changeId: uuid(), agency: agency(), action: address(), conflict: conflict(),
            createdAt: timestamp(), status: pick(ConflictRecord.Status.allCases),
            resolution: maybe {
                ConflictResolution(
                    choice: $0.pick(ResolutionChoice.allCases), value: $0.fieldValue(), rationale: $0.text(),
                    by: $0.agency(), at: $0.timestamp(), changeId: $0.uuid())
            })
    }

    /// A pull answer with a few actions and conflicts, every optional member both ways.
    public mutating func pull() -> PullResponse {
        PullResponse(
            actions: list(0...3) { $0.action() }, cursor: int64(), more: bool(),
            conflicts: list(0...2) { $0.conflictRecord() }, reset: maybe { $0.bool() },
            removedPlans: maybe { $0.list(0...2) { $0.plan() } }, timeline: maybe { $0.int64() })
    }

    /// A plan summary with any title and a few rating counts.
    public mutating func planSummary() -> PlanSummary {
        var rag: [String: Int] = [:]
        for _ in 0..<int(0...3) { rag[text(0...6)] = int(0...500) }
        return PlanSummary(id: plan(), title: text(), scheme: slug(), actions: int(0...500), rag: rag)
    }

    /// Any JSON document (numbers in the forms JSON allows).
    public mutating func tree(depth: Int = 3) -> JSONTree {
        switch int(0...(depth > 0 ? 5 : 3)) {
        case 0: return .null
        case 1: return .bool(bool())
        case 2: return .number(pick(["0", "-1", "12.5", "1e3", "-0.25E-2", "9223372036854775807", "\(int64())"]))
        case 3: return .string(text())
        case 4: return .array(list(0...3) { $0.tree(depth: depth - 1) })
        default:
            var members: [String: JSONTree] = [:]
            for _ in 0..<int(0...3) { members[text(0...6)] = tree(depth: depth - 1) }
            return .object(members)
        }
    }
}

/// The laws every format obeys, checked on one value: what is wrong, or nothing.
///
/// The fast reader reads the fast writer's bytes itself (no fallback) to the same value;
/// Codable reads them too; the fast reader reads `JSONEncoder`'s pretty form; and the fast
/// writer's bytes are `JSONEncoder`'s compact bytes.
public enum FormatLaws {
    /// Stored properties of `T` its shape does not list, and members that are no property:
    /// a property added to a record without its line in the shape would not be written.
    public static func unlisted<T: JSONRecord>(_: T.Type) -> [String] {
        let properties = Set(Mirror(reflecting: T.shape.blank).children.compactMap(\.label))
        let keys = Set(T.shape.keys)
        let missing = properties.subtracting(keys).sorted().map { "\(T.self).\($0) is not in its shape" }
        let extra = keys.subtracting(properties).sorted().map { "\(T.self)'s shape lists \($0), which is no property" }
        guard missing.isEmpty, extra.isEmpty else { return missing + extra }
        // Each key names the property it reads and writes: members by offset are the
        // properties in the order declared (Swift lays stored properties out in that order).
        let labels = Mirror(reflecting: T.shape.blank).children.compactMap(\.label)
        let byOffset = T.shape.members.sorted { $0.offset < $1.offset }.map { "\($0.key)" }
        return zip(byOffset, labels).filter { $0 != $1 }.map { "\(T.self): key \($0) holds property \($1)" }
    }

    /// How `value` breaks the format laws above, one line each; empty when it keeps them all.
    public static func broken<T: JSONValue & Equatable>(by value: T) -> [String] {
        var broken: [String] = []
        let compact = value.json
        let text = String(decoding: compact, as: UTF8.self)
        let fast: T? = compact.withUnsafeBufferPointer { buffer in
            var reader = JSONReader(buffer)
            guard let read = try? T(reading: &reader), (try? reader.end()) != nil else { return nil }
            return read
        }
        if fast != value { broken.append("the fast reader did not read back \(T.self): \(text)") }
        do {
            if try JSONDecoder().decode(T.self, from: Data(compact)) != value {
                broken.append("Codable read \(T.self) differently: \(text)")
            }
        } catch { broken.append("Codable cannot read \(T.self): \(error): \(text)") }
        do {
            let pretty = try ConcordJSON.encode(value, pretty: true)
            if try T.decode(json: Array(pretty)) != value {
                broken.append(
                    "the pretty form of \(T.self) reads differently: \(String(decoding: pretty, as: UTF8.self))")
            }
            let codableCompact = Array(try ConcordJSON.encoder(pretty: false).encode(value))
            if codableCompact != compact {
                broken.append(
                    "JSONEncoder writes \(T.self) differently:\n  fast:    \(text)\n  encoder: \(String(decoding: codableCompact, as: UTF8.self))"
                )
            }
        } catch { broken.append("JSONEncoder cannot write \(T.self): \(error)") }
        return broken
    }
}
