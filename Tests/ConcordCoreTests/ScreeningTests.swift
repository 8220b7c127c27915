import ConcordCore
import PropertyBased
import Testing

/// Table-driven: each text, and what the screener must find in it (kind and the exact
/// characters), or nothing.
@Suite("Screening free text for identifiers")
struct ScreeningTests {
    static let protected: Set<String> = ["liam smith", "ayesha", "siân"]
    static let screener = Screener { protected.contains($0) }

    /// "kind: matched text" for each finding, in order.
    static func found(_ text: String) -> [String] {
        let chars = Array(text)
        return screener.findings(in: text, field: "progress").map {
            "\($0.kind.rawValue): \(String(chars[$0.start..<$0.start + $0.length]))"
        }
    }

    @Test(arguments: [
        // NHS numbers: the modulus 11 check decides; a phone-shaped 10 digits starting 0 is not one.
        ("Child M, NHS 943 476 5919, now at St Mary's", ["nhs-number: 943 476 5919"]),
        ("nhs no 9434765919.", ["nhs-number: 9434765919"]),
        ("NHS: 401-023-2137", ["nhs-number: 401-023-2137"]),
        ("NHS-943-476-5919 on the form", ["nhs-number: 943-476-5919"]),
        ("7074833789 and 707 483 3780", ["nhs-number: 7074833789"]),
        ("943 476 5918 fails the check", []),
        ("1234567890", []),
        // Phones.
        ("Call 07700 900123 after 5", ["phone: 07700 900123"]),
        ("MASH on +44 20 7946 0018", ["phone: +44 20 7946 0018"]),
        ("(020) 7946 0018 is the desk", ["phone: (020) 7946 0018"]),
        ("ref 0161 496 0000 on the file", []),
        ("Tel no. 0113 496 0000, mobile number 07700 900123", ["phone: 0113 496 0000", "phone: 07700 900123"]),
        ("case no. 0161 496 0000", []),
        ("Dad on +44 (0)20 7946 0018", ["phone: +44 (0)20 7946 0018"]),
        ("See DOC-07700900123", []),
        ("Audit of 20 cases, 18 escalated", []),
        // Postcodes, full units only.
        ("moved to LS1 4AP last week", ["postcode: LS1 4AP"]),
        ("SW1A 1AA and m1 1ae and EC1A1BB", ["postcode: SW1A 1AA", "postcode: m1 1ae", "postcode: EC1A1BB"]),
        ("OFSTED 2018 judged it good", []),
        ("LS1 on its own, or Q1 2AB, or A1 2BC", []),
        // E-mail addresses.
        ("write to jo.bloggs@northshire.gov.uk today", ["email: jo.bloggs@northshire.gov.uk"]),
        ("@mention a@b and x@y.z9", []),
        // Found by the fuzzer: two addresses run together are one, so a redaction takes both.
        ("jo@examplle.orUns+feRao@e.org", ["email: jo@examplle.orUns+feRao@e.org"]),
        // Dates of birth need their words; target and meeting dates pass.
        ("DOB 12/03/2014", ["date-of-birth: 12/03/2014"]),
        ("d.o.b. 12.03.14, school Y4", ["date-of-birth: 12.03.14"]),
        ("born 12th March 2014 in Leeds", ["date-of-birth: 12th March 2014"]),
        ("Date of birth: 2014-03-12", ["date-of-birth: 2014-03-12"]),
        ("DOB 12-Mar-2014; seen 3/Apr/26", ["date-of-birth: 12-Mar-2014"]),
        ("12/03/2014 (DOB), school Y4", ["date-of-birth: 12/03/2014"]),
        ("Target date 12/03/2026; meeting on 12 March 2026", []),
        ("Dyddiad geni 03/02/2015", ["date-of-birth: 03/02/2015"]),
        // Names the plan protects, non-ASCII and possessives included.
        ("Liam Smith attended the review", ["protected-name: Liam Smith"]),
        ("Ayesha's school reported it", ["protected-name: Ayesha's"]),
        ("Cafodd Siân ei geni 12/03/2014 😀", ["protected-name: Siân", "date-of-birth: 12/03/2014"]),
        ("Liam and Smith were not the child's name", []),
        // Everything at once, each where it is.
        (
            "Child M (DOB 12/03/2014, NHS 943 476 5919) now at LS6 2QT, mum on 07700 900123",
            [
                "date-of-birth: 12/03/2014", "nhs-number: 943 476 5919", "postcode: LS6 2QT",
                "phone: 07700 900123",
            ]
        ),
    ])
    func findings(_ text: String, _ expected: [String]) {
        #expect(Self.found(text) == expected, "\(text)")
    }

    /// "An age-like past date next to a name": a date of one of the 18 years before this one,
    /// within 30 characters of a protected name; not a date of this year (a meeting).
    @Test(arguments: [
        ("Liam Smith, 12/03/2014, moved school", ["protected-name: Liam Smith", "date-of-birth: 12/03/2014"]),
        (
            "Aoife O’Neill born in March: 12 March 2015",
            ["protected-name: Aoife O’Neill", "date-of-birth: 12 March 2015"]
        ),
        ("Liam Smith's review on 12/03/2026", ["protected-name: Liam Smith's"]),
        ("Audit of 12/03/2014 cases, reported to the board later, then Liam Smith", ["protected-name: Liam Smith"]),
    ])
    func ageLikeDatesNearAName(_ text: String, _ expected: [String]) {
        var screener = Screener { ["liam smith", "aoife o'neill"].contains($0) }
        screener.year = 2026
        let chars = Array(text)
        let found = screener.findings(in: text, field: "note").map {
            "\($0.kind.rawValue): \(String(chars[$0.start..<$0.start + $0.length]))"
        }
        #expect(found == expected, "\(text)")
    }

    /// A finding says where it is, never what: safe to log and to show.
    @Test func aFinding_namesKindFieldAndSpan_notTheText() {
        let f = Self.screener.findings(in: "NHS 943 476 5919", field: "note")
        #expect(f == [Finding(kind: .nhsNumber, field: "note", start: 4, length: 12)])
        #expect(f.first?.description == "an NHS number in note at characters 5–16")
        #expect(!(f.first?.description.contains("943") ?? true))
    }
}

/// Over any text: no crash, every span inside the text, and a valid NHS number put between
/// spaces in it is always found, at its place.
@Suite("Screening, property-based")
struct ScreeningPropertyTests {
    @Test func anyText_spansInside_andAPlantedNHSNumberIsFound() async {
        let input = FormatPropertyTests.gen { a -> (String, String) in (a.text(0...40), a.text(0...40)) }
        await propertyCheck(count: 300, input: input) { pair in
            let (before, after) = pair
            let screener = Screener()
            for text in [before, after, before + after] {
                let count = text.count
                for f in screener.findings(in: text, field: "note") {
                    #expect(
                        f.start >= 0 && f.length > 0 && f.start + f.length <= count, "\(f) in \(text.debugDescription)")
                }
            }
            let planted = before + " 943 476 5919 " + after
            let start = before.count + 1
            #expect(
                screener.findings(in: planted, field: "note").contains(
                    Finding(kind: .nhsNumber, field: "note", start: start, length: 12)),
                "\(planted.debugDescription)")
        }
    }
}

@Suite("Screening a change under a policy")
struct ScreeningPolicyTests {
    static let address = ActionAddress(plan: try! PlanID("child-m"), ref: try! ActionRef("3.1"))

    /// Every free text of a change is screened and named; ids, dates and ratings are not text.
    @Test func everyFreeTextOfAChange_isScreened_underThePolicy() {
        let change = Change(
            action: Self.address, baseRevision: 1,
            fields: [
                .progress: FieldChange(from: .null, to: .text("Now at LS6 2QT")),
                .title: FieldChange(from: .null, to: .text("Audit, NHS 943 476 5919")),
                .targetDate: FieldChange(from: .null, to: .text("2026-03-12")),
                .ownerAgency: FieldChange(from: .null, to: .text("police")),
            ],
            append: [
                .evidence(
                    EvidenceItem(
                        kind: .output, summary: "Call 07700 900123", reference: "DOB 12/03/2014", author: .unset)),
                .note(ProgressNote(text: "write to jo@example.org", author: .unset)),
            ],
            reason: "Liam Smith moved")
        let screener = Screener { $0 == "liam smith" }
        let result = screener.screen(change, policy: ScreeningPolicy())
        #expect(
            result.blocked.map { "\($0.kind.rawValue)@\($0.field)" } == [
                "nhs-number@title", "date-of-birth@evidence.reference", "protected-name@reason",
            ])
        #expect(
            result.flagged.map { "\($0.kind.rawValue)@\($0.field)" } == [
                "postcode@progress", "phone@evidence.summary", "email@note",
            ])
        // A partnership that blocks postcodes and ignores NHS numbers.
        let strict = screener.screen(change, policy: ScreeningPolicy([.postcode: .block, .nhsNumber: .off]))
        #expect(strict.blocked.map(\.kind) == [.postcode, .dateOfBirth, .protectedName])
        #expect(
            !strict.flagged.contains { $0.kind == .nhsNumber } && !strict.blocked.contains { $0.kind == .nhsNumber })
    }

    @Test func defaults_blockNHSNumbersDatesOfBirthAndNames_andFlagTheRest() {
        let policy = ScreeningPolicy()
        #expect(
            IdentifierKind.allCases.filter { policy.action(for: $0) == .block } == [
                .nhsNumber, .dateOfBirth, .protectedName,
            ])
        #expect(IdentifierKind.allCases.filter { policy.action(for: $0) == .flag } == [.postcode, .phone, .email])
    }
}
