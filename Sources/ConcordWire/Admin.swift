import ConcordCodec
import ConcordCore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A plan in a list: counts a committee asks for first.
public struct PlanSummary: JSONRecord, Sendable, Hashable {
    public var id: PlanID
    public var title: String
    public var scheme: String
    public var actions: Int
    /// Actions by rating id; unrated actions under `unrated`.
    public var rag: [String: Int]

    public init(id: PlanID, title: String, scheme: String, actions: Int, rag: [String: Int]) {
        self.id = id
        self.title = title
        self.scheme = scheme
        self.actions = actions
        self.rag = rag
    }

    /// The summary of a plan's current actions (archived ones not counted).
    public init(plan: Plan) {
        let live = plan.actions.filter { !$0.archived }
        var rag: [String: Int] = [:]
        for action in live { rag[action.rag ?? "unrated", default: 0] += 1 }
        self.init(id: plan.id, title: plan.title, scheme: plan.scheme, actions: live.count, rag: rag)
    }

    public static let shape = Shape<Self>(
        blank: PlanSummary(id: .unset, title: "", scheme: "", actions: 0, rag: [:]),
        [
            Member("id", \.id), Member("title", \.title), Member("scheme", \.scheme), Member("actions", \.actions),
            Member("rag", \.rag),
        ])
}

/// `GET /v1/plans` answer.
public struct PlanList: Codable, Sendable, Hashable {
    public var plans: [PlanSummary]
    public init(plans: [PlanSummary]) { self.plans = plans }
}

/// `POST /v1/plans` body: create a plan, importing its actions from the spreadsheet form.
public struct PlanImportRequest: Codable, Sendable, Hashable {
    public var id: PlanID
    public var title: String
    /// A scheme id the hub knows; absent: the hub's default.
    public var scheme: String?
    /// The plan in CSV (see `PlanCSV`); absent or empty: an empty plan.
    public var csv: String?

    public init(id: PlanID, title: String, scheme: String? = nil, csv: String? = nil) {
        self.id = id
        self.title = title
        self.scheme = scheme
        self.csv = csv
    }
}

/// `POST /v1/plans` answer: the plan, each action's create result, and what the committee must see.
public struct PlanImportResponse: Codable, Sendable, Hashable {
    public var plan: PlanSummary
    public var results: [ChangeResult]
    public var flags: [Violation]

    public init(plan: PlanSummary, results: [ChangeResult], flags: [Violation]) {
        self.plan = plan
        self.results = results
        self.flags = flags
    }
}

/// One line of an action's audit trail.
public struct HistoryEntry: Codable, Sendable, Hashable {
    public var seq: Int64
    public var agency: AgencyID
    /// Hub time the change was received.
    public var at: Timestamp
    public var outcome: Outcome
    public var change: Change
    public var result: ChangeResult

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
    public var action: ActionAddress
    public var entries: [HistoryEntry]
    public init(action: ActionAddress, entries: [HistoryEntry]) {
        self.action = action
        self.entries = entries
    }
}

/// An agency as the hub lists it (tokens are never shown again).
public struct AgencyInfo: Codable, Sendable, Hashable {
    public var id: AgencyID
    public var name: String
    public var role: Role
    public var activeTokens: Int
    public var createdAt: Timestamp
    /// When the hub last heard from the agency (any request, or its open stream); absent: never.
    public var lastContact: Timestamp?
    /// When the agency last pushed changes the hub took; absent: never.
    public var lastPush: Timestamp?

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
    public var agencies: [AgencyInfo]
    public init(agencies: [AgencyInfo]) { self.agencies = agencies }
}

/// `POST /v1/agencies` body.
public struct AgencyRequest: Codable, Sendable, Hashable {
    public var id: AgencyID
    public var name: String
    public var role: Role
    public init(id: AgencyID, name: String, role: Role) {
        self.id = id
        self.name = name
        self.role = role
    }
}

/// A new token, shown this once.
public struct IssuedToken: Codable, Sendable, Hashable {
    public var agency: AgencyInfo
    public var token: String
    public init(agency: AgencyInfo, token: String) {
        self.agency = agency
        self.token = token
    }
}

/// The body of every error answer: `{"error": {"status": 400, "code": "...", "message": "..."}}`.
public struct ErrorBody: Codable, Sendable, Hashable {
    public struct Detail: Codable, Sendable, Hashable {
        public var status: Int
        /// A stable code for scripts: `badRequest`, `unauthorized`, `forbidden`, `notFound`, ...
        public var code: String
        /// What was wrong and what to do.
        public var message: String
    }

    public var error: Detail

    public init(status: Int, code: String, message: String) {
        error = Detail(status: status, code: code, message: message)
    }
}
