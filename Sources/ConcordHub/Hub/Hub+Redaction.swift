import ConcordCore
import ConcordScreening
import ConcordWire
import Foundation

/// Redaction (issue 14): an admin replaces one kind of identifying detail in one text of an
/// action with `[redacted: KIND]` in every copy the hub keeps, records it in the trail with
/// its reason, and sends the record to the agencies again like any change.
extension Hub {
    /// The names a redaction may give: the texts as findings name them.
    static let redactableTexts: Set<String> = Screener.freeTextFields.union([
        "evidence.summary", "evidence.reference", "note", "note.reference", "retraction.reason", "reason",
    ])

    /// Redacts `request.kind` in the text `request.field` of `address`: in its record, every
    /// change of its trail (sent values, `from` values and answers) and its conflicts. Then
    /// the database's files are rewritten so no copy is left in them.
    // Long: one transaction that finds and rewrites every stored copy, then records the redaction.
    public func redact(
        _ address: ActionAddress, _ request: RedactionRequest, by principal: Principal
    ) async throws -> RedactionResponse {
        guard principal.role == .admin else {
            throw HubError(.forbidden, "only the partnership business unit (admin) redacts")
        }
        guard Self.redactableTexts.contains(request.field) else {
            throw HubError(
                .unprocessable,
                "'\(FieldRules.shown(request.field))' is not a text of an action (one of: \(Self.redactableTexts.sorted().joined(separator: ", ")))"
            )
        }
        let reason = request.reason
        if let v = FieldRules.checkText(reason, max: FieldRules.maxReasonLength, action: address, field: "reason") {
            throw HubError(.unprocessable, v.description)
        }
        guard !reason.allSatisfy(\.isWhitespace) else {
            throw HubError(.unprocessable, "a redaction needs a reason: it is kept in the audit trail")
        }
        let names: Set<ProtectedDigest> = try await storage.protectedNames(of: address.plan)[address.plan] ?? []
        let rules = screeningRules(for: address.plan, digests: names)
        if let found = rules.screener.findings(in: reason, field: "reason").first {
            throw HubError(
                .unprocessable,
                "the reason contains \(found.kind.words) at characters \(found.start + 1)–\(found.start + found.length): leave it out"
            )
        }
        let screener = rules.screener
        let (field, kinds) = (request.field, Set([request.kind]))
        let now = clock()
        let auditID = UUID()
        let (record, copies, seq) = try await write { tx -> (Action, Int, Int64) in
            guard var record = try tx.record(address) else {
                throw HubError(.notFound, "action \(address.ref) not found in plan \(address.plan)")
            }
            let before = record.revision
            var copies = 0
            if let redacted = screener.redacting(record, field: field, kinds: kinds) {
                record = redacted
                copies += 1
            }
            for stored in try tx.changes(of: address) {
                let change = try Change.decode(json: stored.body.utf8)
                var result = try ChangeResult.decode(json: stored.result.utf8)
                var resultChanged = false
                for i in result.conflicts.indices where result.conflicts[i].field.rawValue == field {
                    let changed = Self.redact(
                        &result.conflicts[i], [\.base, \.hub, \.incoming], screener, field: field, kinds: kinds)
                    resultChanged = resultChanged || changed
                }
                let redacted = screener.redacting(change, field: field, kinds: kinds)
                guard redacted != nil || resultChanged else { continue }
                try tx.rewriteChange(
                    seq: stored.seq, body: String(decoding: (redacted ?? change).json, as: UTF8.self),
                    result: resultChanged ? String(decoding: result.json, as: UTF8.self) : stored.result)
                copies += 1
            }
            let seq = tx.nextSequence()
            for var conflict in try tx.conflicts(of: address) {
                guard let redacted = Self.redacting(conflict, screener, field: field, kinds: kinds) else { continue }
                conflict = redacted
                // A new sequence number: the agency's next pull brings the conflict again.
                try tx.update(conflict, json: String(decoding: conflict.json, as: UTF8.self), seq: seq)
                copies += 1
            }
            guard copies > 0 else {
                throw HubError(
                    .unprocessable,
                    "no \(request.kind.plural) found in \(field) of action \(address): nothing to redact (concordctl hub screen lists what is found)"
                )
            }
            // The revision stays (the trail replayed gives the same record); the new sequence
            // number sends the record to every partner again.
            try tx.save(record, json: String(decoding: record.json, as: UTF8.self), seq: seq)
            let audit = Change(
                id: auditID, action: address, baseRevision: before,
                reason: "redaction of \(request.kind.plural) in \(field) (\(copies) stored copies): \(reason)",
                madeAt: now)
            let result = ChangeResult(
                id: auditID, action: address, outcome: .applied, revision: record.revision, seq: seq)
            try tx.append(
                StoredChange(
                    seq: seq, id: auditID, agency: principal.agency, action: address, receivedAt: now,
                    outcome: .applied, body: String(decoding: audit.json, as: UTF8.self),
                    result: String(decoding: result.json, as: UTF8.self)))
            if self.cachesRecords { self.records.put([record]) }
            return (record, copies, seq)
        }
        await committed(seq)
        let scrubbed: Bool
        do { scrubbed = try await storage.scrub() } catch {
            logger.warning(
                "the database files could not be rewritten after a redaction", metadata: ["error": "\(error)"])
            scrubbed = false
        }
        logger.notice(
            "redacted",
            metadata: [
                "action": "\(address)", "field": "\(field)", "kind": "\(request.kind.rawValue)", "copies": "\(copies)",
                "scrubbed": "\(scrubbed)", "by": "\(principal.agency)",
            ])
        return RedactionResponse(
            action: address, changeId: auditID, revision: record.revision, copies: copies, scrubbed: scrubbed)
    }

    /// Redacts the `kinds` in the values at `paths` of a conflict (as recorded, or as an
    /// answer told of it); `true` when any changed.
    static func redact<Conflict>(
        _ conflict: inout Conflict, _ paths: [WritableKeyPath<Conflict, FieldValue>], _ screener: Screener,
        field: String, kinds: Set<IdentifierKind>
    ) -> Bool {
        var changed = false
        for path in paths {
            if let v = screener.redacting(conflict[keyPath: path], of: field, field: field, kinds: kinds) {
                conflict[keyPath: path] = v
                changed = true
            }
        }
        return changed
    }

    /// A conflict with the `kinds` redacted from its values and its resolution; `nil` when none was found.
    static func redacting(
        _ conflict: ConflictRecord, _ screener: Screener, field: String, kinds: Set<IdentifierKind>
    ) -> ConflictRecord? {
        var out = conflict
        var changed = false
        if conflict.field.rawValue == field {
            changed = redact(&out, [\.base, \.hub, \.incoming], screener, field: field, kinds: kinds)
            if let value = out.resolution?.value,
                let v = screener.redacting(value, of: field, field: field, kinds: kinds)
            {
                out.resolution?.value = v
                changed = true
            }
        }
        if field == "reason", let rationale = out.resolution?.rationale,
            let redacted = screener.redacting(rationale, kinds: kinds)
        {
            out.resolution?.rationale = redacted
            changed = true
        }
        return changed ? out : nil
    }
}
