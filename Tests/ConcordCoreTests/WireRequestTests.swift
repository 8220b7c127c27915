import ConcordCore
import ConcordWire
import Testing

@Suite("Wire requests")
struct WireRequestTests {
    /// The CLI names fields as `Field`s; the control API carries their names; the agent reads
    /// them back as `Field`s, refusing a name no field has with the list of fields.
    @Test func updateRequest_carriesFieldsByName_andNamesAnUnknownOne() throws {
        let sent = UpdateRequest(fields: [.rag: .text("amber"), .targetDate: .null], reason: "Board moved it")
        #expect(sent.set == ["rag": .text("amber"), "targetDate": .null])
        #expect(try sent.fields() == [.rag: .text("amber"), .targetDate: .null])

        let typo = UpdateRequest(set: ["rag": .text("red"), "colour": .text("green")])
        #expect(throws: UnknownField(name: "colour")) { try typo.fields() }
        let message = UnknownField(name: "colour").description
        #expect(message.hasPrefix("unknown field 'colour'; fields are: title, "))
        #expect(Field.allCases.allSatisfy { message.contains($0.rawValue) })
    }

    /// "Silent for 3 days" is measured from the hub's clock when the hub gives it, so a reader
    /// whose clock is wrong still lists the right agencies.
    @Test func agencyList_silentIsMeasuredFromTheHubsClock() {
        func agency(_ id: String, heard: Int64?) -> AgencyInfo {
            AgencyInfo(
                id: Fixture.agency(id), name: id, role: .agency, activeTokens: 1,
                createdAt: Timestamp(millisecondsSinceEpoch: 0),
                lastContact: heard.map { Timestamp(millisecondsSinceEpoch: $0) }, lastPush: nil)
        }
        let hour: Int64 = 3_600_000
        let hubNow: Int64 = 1_700_000_000_000
        let list = AgencyList(
            agencies: [
                agency("police", heard: hubNow - hour), agency("icb", heard: nil),
                agency("csc", heard: hubNow - 5 * hour),
            ],
            asOf: Timestamp(millisecondsSinceEpoch: hubNow))
        // The reader's clock is a year ahead: by it, every agency would be silent.
        let wrongClock = Timestamp(millisecondsSinceEpoch: hubNow + 365 * 24 * hour)
        #expect(list.silent(for: 3 * 3600, fallback: wrongClock).map(\.id.rawValue) == ["icb", "csc"])
        var old = list
        old.asOf = nil
        #expect(old.silent(for: 3 * 3600, fallback: wrongClock).map(\.id.rawValue) == ["police", "icb", "csc"])
    }
}
