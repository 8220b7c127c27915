/// What an agency may do at the hub.
public enum Role: String, Codable, Sendable, CaseIterable, CustomStringConvertible {
    /// The partnership's business unit: imports plans, creates, re-assigns, signs off,
    /// archives and resolves conflicts.
    case admin
    /// A partner agency: reads the plans it is a partner in, edits the actions it leads or supports.
    case agency
    /// A scrutiny committee: reads, edits nothing.
    case viewer

    /// The role's name: `admin`, `agency` or `viewer`.
    public var description: String { rawValue }
}

/// A member of the partnership: police, health, probation, children's social care, education,
/// the business unit, or a read-only committee.
public struct Agency: Hashable, Codable, Sendable {
    /// The agency's id, e.g. `police`.
    public var id: AgencyID
    /// The agency's display name, e.g. "Northbridge Police".
    public var name: String
    /// What the agency may do at the hub.
    public var role: Role

    /// An agency with these parts.
    public init(id: AgencyID, name: String, role: Role) {
        self.id = id
        self.name = name
        self.role = role
    }
}
