import ConcordCore
import Testing

@Suite("Identifiers and dates")
struct IdentifierTests {
    @Test(arguments: ["police", "nhs-trust", "csc", "a1"])
    func wellFormedAgencyIDs_areAccepted(_ raw: String) throws {
        #expect(try AgencyID(raw).rawValue == raw)
    }

    @Test(arguments: [
        "", "Police", "nhs--trust", "-csc", "csc-", "1abc", "ni ce", "a/b", String(repeating: "a", count: 33),
    ])
    func malformedAgencyIDs_areRejectedWithTheRule(_ raw: String) {
        #expect(throws: IdentifierError.self) { try AgencyID(raw) }
    }

    @Test(arguments: ["1.1", "3.2", "A5", "10.12", "2-1", "A"])
    func wellFormedRefs_areAccepted(_ raw: String) throws {
        #expect(try ActionRef(raw).rawValue == raw)
    }

    @Test(arguments: ["", ".1", "1.", "1..2", "1 2", "1/2", "x.y.z.w.v.u.t.s.r"])
    func malformedRefs_areRejected(_ raw: String) {
        #expect(throws: IdentifierError.self) { try ActionRef(raw) }
    }

    @Test func refs_sortNaturally() throws {
        let refs = try ["1.10", "A10", "1.2", "A2", "2.1", "10.1", "1.1"].map { try ActionRef($0) }
        #expect(refs.sorted().map(\.rawValue) == ["1.1", "1.2", "1.10", "2.1", "10.1", "A2", "A10"])
    }

    @Test func address_parsesPlanAndRef() throws {
        let address = try ActionAddress("child-m/3.2")
        #expect(address.plan.rawValue == "child-m" && address.ref.rawValue == "3.2")
        #expect(address.description == "child-m/3.2")
        let error = #expect(throws: IdentifierError.self) { try ActionAddress("child-m") }
        #expect(error?.description.contains("PLAN/REF") == true)
        #expect(throws: IdentifierError.self) { try ActionAddress("Child M/1.1") }
    }

    @Test(arguments: [
        ("2026-03-31", true), ("2024-02-29", true), ("2026-02-29", false), ("2100-02-29", false),
        ("2000-02-29", true), ("2026-13-01", false), ("2026-3-31", false), ("31/03/2026", false), ("", false),
    ])
    func localDates_parseOnlyRealDaysInISOForm(_ raw: String, valid: Bool) {
        #expect((LocalDate(raw) != nil) == valid)
        if valid { #expect(LocalDate(raw)!.description == raw) }
    }

    @Test func localDate_daysSinceEpochRoundTrips() {
        for days in stride(from: -800_000, through: 2_900_000, by: 997) {
            #expect(LocalDate(daysSinceEpoch: days).daysSinceEpoch == days)
        }
        #expect(LocalDate("1970-01-01")!.daysSinceEpoch == 0)
        #expect(LocalDate("2026-11-23")!.daysSinceEpoch == 20_780)
    }

    @Test func timestamps_writeAndReadISO8601() {
        let t = Timestamp(millisecondsSinceEpoch: 1_795_420_609_123)
        #expect(t.description == "2026-11-23T07:56:49.123Z")
        #expect(Timestamp(t.description) == t)
        #expect(Timestamp("2026-11-23T07:56:49Z")?.millisecondsSinceEpoch == 1_795_420_609_000)
        #expect(Timestamp("2026-11-23T08:56:49.5+01:00")?.millisecondsSinceEpoch == 1_795_420_609_500)
        #expect(Timestamp(millisecondsSinceEpoch: -1).description == "1969-12-31T23:59:59.999Z")
        for bad in [
            "2026-11-23", "2026-11-23T07:56:49", "2026-11-23T25:00:00Z", "2026-11-23T07:56:49.Z", "x",
            // Offsets past ±23:59, and moments outside years 0001-9999 once in UTC, would not write back.
            "0001-01-01T00:00:00+99:99", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59.999-23:59",
        ] {
            #expect(Timestamp(bad) == nil, "\(bad)")
        }
        for edge in ["0001-01-01T00:00:00.000Z", "9999-12-31T23:59:59.999Z"] {
            #expect(Timestamp(edge)?.description == edge)
        }
    }
}
