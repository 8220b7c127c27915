import ConcordCodec
import ConcordCore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A plan in a list: counts a committee asks for first.
public struct PlanSummary: JSONRecord, Sendable, Hashable {
    /// The plan's slug, e.g. `child-m`.
    public var id: PlanID
    /// The plan's title, usually the review it answers: "CSPR Child M".
    public var title: String
    /// The id of the RAG scheme the plan is rated in, e.g. `brag`.
    public var scheme: String
    /// How many actions the plan has, archived ones not counted.
    public var actions: Int
    /// Actions by rating id; unrated actions under `unrated`.
    public var rag: [String: Int]
    /// What an agent screens the plan's edits with before queueing them (issue 14); absent
    /// from a hub that screens nothing of its own, when the defaults apply.
    public var screening: PlanScreening?

    /// A summary from counts already made; `init(plan:)` counts a plan's actions.
    public init(
        id: PlanID, title: String, scheme: String, actions: Int, rag: [String: Int], screening: PlanScreening? = nil
    ) {
        self.id = id
        self.title = title
        self.scheme = scheme
        self.actions = actions
        self.rag = rag
        self.screening = screening
    }

    /// The summary of a plan's current actions (archived ones not counted).
    public init(plan: Plan) {
        let live = plan.actions.filter { !$0.archived }
        var rag: [String: Int] = [:]
        for action in live { rag[action.rag ?? "unrated", default: 0] += 1 }
        self.init(id: plan.id, title: plan.title, scheme: plan.scheme, actions: live.count, rag: rag)
    }

    /// The JSON form: every member is required but `screening`.
    public static let shape = Shape<Self>(
        blank: PlanSummary(id: .unset, title: "", scheme: "", actions: 0, rag: [:]),
        [
            Member("id", \.id), Member("title", \.title), Member("scheme", \.scheme), Member("actions", \.actions),
            Member("rag", \.rag), Member("screening", \.screening),
        ])
}

/// The partnership's screening policy and a plan's protected names, as digests
/// (``ProtectedNames``): what an agent screens the plan's edits with (issue 14).
public struct PlanScreening: JSONRecord, Sendable, Hashable {
    /// Each kind of identifying detail and its action: `block`, `flag` or `off`.
    public var policy: [String: String]
    /// The plan's protected names, as lower-case hex SHA-256 digests.
    public var protectedNames: [String]
    /// The digests of the names' first words (screening hashes each word once and looks
    /// further only from a word that begins a name).
    public var firstWords: [String]

    /// The screening of a plan.
    public init(policy: [String: String], protectedNames: [String], firstWords: [String]) {
        self.policy = policy
        self.protectedNames = protectedNames
        self.firstWords = firstWords
    }

    /// The JSON form: every member required.
    public static let shape = Shape<Self>(
        blank: PlanScreening(policy: [:], protectedNames: [], firstWords: []),
        [
            Member("policy", \.policy), Member("protectedNames", \.protectedNames),
            Member("firstWords", \.firstWords),
        ])
}

/// `GET /v1/plans` answer.
public struct PlanList: Codable, Sendable, Hashable {
    /// The plans the caller may read (admins and viewers: all; an agency: those it is a partner in).
    public var plans: [PlanSummary]
    /// A list of these summaries.
    public init(plans: [PlanSummary]) { self.plans = plans }
}

/// `POST /v1/plans` body: create a plan, importing its actions from the spreadsheet form.
public struct PlanImportRequest: Codable, Sendable, Hashable {
    /// The plan's slug, e.g. `child-m`. An existing plan takes the actions only if its scheme matches.
    public var id: PlanID
    /// The plan's title, e.g. "CSPR Child M" (at most 500 characters).
    public var title: String
    /// A scheme id the hub knows; absent: the hub's default.
    public var scheme: String?
    /// The plan in CSV (see `PlanCSV`); absent or empty: an empty plan.
    public var csv: String?

    /// A request; without `scheme` the hub's default is used, without `csv` the plan starts empty.
    public init(id: PlanID, title: String, scheme: String? = nil, csv: String? = nil) {
        self.id = id
        self.title = title
        self.scheme = scheme
        self.csv = csv
    }
}

/// `POST /v1/plans` answer: the plan, each action's create result, and what the committee must see.
public struct PlanImportResponse: Codable, Sendable, Hashable {
    /// The plan after the import.
    public var plan: PlanSummary
    /// The hub's answer to each imported action's create change, one per action.
    public var results: [ChangeResult]
    /// Rules the imported actions break that did not block the import (e.g. green with no evidence).
    public var flags: [Violation]

    /// An answer with these parts.
    public init(plan: PlanSummary, results: [ChangeResult], flags: [Violation]) {
        self.plan = plan
        self.results = results
        self.flags = flags
    }
}

/// One line of an action's audit trail.
public struct HistoryEntry: Codable, Sendable, Hashable {
    /// The hub's sequence number of the change: the trail is in this order.
    public var seq: Int64
    /// The agency that sent the change (taken from its token).
    public var agency: AgencyID
    /// Hub time the change was received.
    public var at: Timestamp
    /// How the change ended: applied, merged, conflict or rejected.
    public var outcome: Outcome
    /// The change as the agency sent it.
    public var change: Change
    /// The hub's full answer to the change, as the agency received it.
    public var result: ChangeResult

    /// An entry with these parts.
    public init(seq: Int64, agency: AgencyID, at: Timestamp, outcome: Outcome, change: Change, result: ChangeResult) {
        self.seq = seq
        self.agency = agency
        self.at = at
        self.outcome = outcome
        self.change = change
        self.result = result
    }
}

/// `GET /v1/actions/{plan}/{ref}/history` answer, oldest first.
public struct History: Codable, Sendable, Hashable {
    /// The action whose trail this is.
    public var action: ActionAddress
    /// Every change the hub received for the action, whatever its outcome, oldest first.
    public var entries: [HistoryEntry]
    /// A trail of `entries` for `action`.
    public init(action: ActionAddress, entries: [HistoryEntry]) {
        self.action = action
        self.entries = entries
    }
}

/// An agency as the hub lists it (tokens are never shown again).
public struct AgencyInfo: Codable, Sendable, Hashable {
    /// The agency's id, e.g. `police`.
    public var id: AgencyID
    /// The agency's display name, e.g. "Northbridge Police".
    public var name: String
    /// What the agency may do at the hub.
    public var role: Role
    /// How many of the agency's tokens have not been revoked.
    public var activeTokens: Int
    /// Hub time the agency was added.
    public var createdAt: Timestamp
    /// When the hub last heard from the agency (any request, or its open stream); absent: never.
    public var lastContact: Timestamp?
    /// When the agency last pushed changes the hub took; absent: never.
    public var lastPush: Timestamp?

    /// An agency entry; contact times absent mean the hub has not heard from it.
    public init(
        id: AgencyID, name: String, role: Role, activeTokens: Int, createdAt: Timestamp, lastContact: Timestamp? = nil,
        lastPush: Timestamp? = nil
    ) {
        self.id = id
        self.name = name
        self.role = role
        self.activeTokens = activeTokens
        self.createdAt = createdAt
        self.lastContact = lastContact
        self.lastPush = lastPush
    }
}

/// `GET /v1/agencies` answer.
public struct AgencyList: Codable, Sendable, Hashable {
    /// Every agency the hub knows.
    public var agencies: [AgencyInfo]
    /// The hub's clock when it answered: "how long ago" is measured from it, not from the
    /// reader's clock (absent from hubs older than this field).
    public var asOf: Timestamp?
    /// A list of these agencies, as at the hub's time `asOf`.
    public init(agencies: [AgencyInfo], asOf: Timestamp? = nil) {
        self.agencies = agencies
        self.asOf = asOf
    }

    /// The agencies not heard from for `seconds` before `asOf` (or before `fallback`, the
    /// reader's clock, when the hub did not say its time); never heard from counts as silent.
    public func silent(for seconds: Int64, fallback: Timestamp) -> [AgencyInfo] {
        let since = (asOf ?? fallback).millisecondsSinceEpoch - seconds * 1000
        return agencies.filter { ($0.lastContact?.millisecondsSinceEpoch ?? .min) < since }
    }
}

/// `POST /v1/agencies` body.
public struct AgencyRequest: Codable, Sendable, Hashable {
    /// The new agency's id, e.g. `nhs-trust`.
    public var id: AgencyID
    /// The agency's display name, e.g. "Northbridge Police".
    public var name: String
    /// What the agency may do at the hub.
    public var role: Role
    /// A request to add this agency.
    public init(id: AgencyID, name: String, role: Role) {
        self.id = id
        self.name = name
        self.role = role
    }
}

/// A new token, shown this once.
public struct IssuedToken: Codable, Sendable, Hashable {
    /// The agency the token belongs to, as the hub now lists it.
    public var agency: AgencyInfo
    /// The bearer token in clear; the hub keeps only its hash and cannot show it again.
    public var token: String
    /// A token issued to `agency`.
    public init(agency: AgencyInfo, token: String) {
        self.agency = agency
        self.token = token
    }
}

/// The body of every error answer: `{"error": {"status": 400, "code": "...", "message": "..."}}`.
public struct ErrorBody: Codable, Sendable, Hashable {
    /// What went wrong with the request.
    public struct Detail: Codable, Sendable, Hashable {
        /// The HTTP status code, repeated from the answer's status line.
        public var status: Int
        /// A stable code for scripts: `badRequest`, `unauthorized`, `forbidden`, `notFound`, ...
        public var code: String
        /// What was wrong and what to do.
        public var message: String
    }

    /// The error itself.
    public var error: Detail

    /// An error body with this status, code and message.
    public init(status: Int, code: String, message: String) {
        error = Detail(status: status, code: code, message: message)
    }
}
