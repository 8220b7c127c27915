/// What an agency may do at the hub.
public enum Role: String, Codable, Sendable, CaseIterable, CustomStringConvertible {
    /// The partnership's business unit: imports plans, creates, re-assigns, signs off,
    /// archives and resolves conflicts.
    case admin
    /// A partner agency: reads the plans it is a partner in, edits the actions it leads or supports.
    case agency
    /// A scrutiny committee: reads, edits nothing.
    case viewer

    public var description: String { rawValue }
}

/// A member of the partnership: police, health, probation, children's social care, education,
/// the business unit, or a read-only committee.
public struct Agency: Hashable, Codable, Sendable {
    public var id: AgencyID
    public var name: String
    public var role: Role

    public init(id: AgencyID, name: String, role: Role) {
        self.id = id
        self.name = name
        self.role = role
    }
}
