import ConcordCodec
import ConcordCore
import ConcordTestSupport
import ConcordWire
import Testing

/// Each record's shape lists every stored property: a field added to `Action` (or any
/// record) without its line in the shape fails here, before it could be lost on a round
/// trip through the hub's store.
@Suite("Shapes")
struct ShapeTests {
    @Test func everyRecordShape_listsEveryStoredProperty() {
        let unlisted =
            FormatLaws.unlisted(Action.self) + FormatLaws.unlisted(EvidenceItem.self)
            + FormatLaws.unlisted(ProgressNote.self) + FormatLaws.unlisted(Retraction.self)
            + FormatLaws.unlisted(TargetDateChange.self) + FormatLaws.unlisted(FieldChange.self)
            + FormatLaws.unlisted(RetractItem.self) + FormatLaws.unlisted(Change.self)
            + FormatLaws.unlisted(Violation.self) + FormatLaws.unlisted(ConflictNotice.self)
            + FormatLaws.unlisted(ChangeResult.self) + FormatLaws.unlisted(PushRequest.self)
            + FormatLaws.unlisted(PushResponse.self) + FormatLaws.unlisted(PullResponse.self)
            + FormatLaws.unlisted(ConflictResolution.self) + FormatLaws.unlisted(ConflictRecord.self)
            + FormatLaws.unlisted(PlanSummary.self)
        #expect(unlisted.isEmpty, "\(unlisted)")
    }

    /// The check itself notices a missing member.
    @Test func aShapeMissingAProperty_isNoticed() {
        struct Partial: JSONRecord, Equatable {
            var kept: String
            var forgotten: Int
            static let shape = Shape<Self>(blank: Partial(kept: "", forgotten: 0), [Member("kept", \.kept)])
        }
        #expect(FormatLaws.unlisted(Partial.self) == ["Partial.forgotten is not in its shape"])
    }

    /// And a key bound to another property than the one it names.
    @Test func aShapeWithSwappedMembers_isNoticed() {
        struct Swapped: JSONRecord, Equatable {
            var title: String
            var summary: String
            static let shape = Shape<Self>(
                blank: Swapped(title: "", summary: ""), [Member("title", \.summary), Member("summary", \.title)])
        }
        #expect(
            FormatLaws.unlisted(Swapped.self) == [
                "Swapped: key summary holds property title", "Swapped: key title holds property summary",
            ])
    }

    /// Members are written in the order of their keys' bytes, whatever order they are listed in.
    @Test func membersAreWrittenInKeyOrder() {
        #expect(Action.shape.keys == Action.shape.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
    }
}
