import ConcordCodec
import ConcordCore
import ConcordWire
import Logging

#if canImport(Glibc)
    import Glibc
#endif

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The agent's crash-safe local store, in its state directory:
///
/// - `state-G.json` — a snapshot (versioned), holding every effect of journals before G;
/// - `journal-G.jsonl` — JSON lines appended after it: local edits (each fsynced before the
///   edit is acknowledged), the hub's answers, pulled records, plan lists;
/// - `agent.lock` — a record lock held while the agent runs: one process at a time.
///
/// Start-up loads the newest snapshot and replays the journals from its generation on. A
/// torn last line (a crash mid-append) is dropped with a log line. Compaction opens journal
/// G+1 (from then on every entry goes there), writes snapshot G+1 atomically (temp file,
/// fsync, rename, directory fsync), then removes the older files. A crash or an error at any
/// step leaves the newest snapshot and every journal after it: start-up removes only what a
/// newer snapshot holds, never the newest snapshot itself.
public final class AgentStore {
    /// The state directory holding the snapshots, journals and lock.
    public let directory: String
    /// Everything the store holds, as applied from the snapshot and journals so far.
    public private(set) var state: AgentState
    private var generation: Int
    private var journal: AppendFile
    private var snapshotBytes: Int
    /// An fsync failed: the state must go to a new snapshot before anything more is written
    /// (cleared only once a snapshot is in place).
    private var mustRewrite = false
    private let lock: FileIO.Lock
    private let logger: Logger

    /// Compaction happens when the journal is larger than this and than the snapshot.
    public var compactionThreshold = 8 << 20

    /// Opens (creating if needed) the store of `agency` in `directory`.
    public convenience init(directory: String, agency: AgencyID, logger: Logger) throws {
        try FileIO.makePrivateDirectory(directory)
        let lock = try FileIO.lock(directory + "/agent.lock")
        do { try self.init(directory: directory, agency: agency, lock: lock, logger: logger) } catch {
            FileIO.unlock(lock)
            throw error
        }
    }

    private init(directory: String, agency: AgencyID, lock: FileIO.Lock, logger: Logger) throws {
        self.directory = directory
        self.logger = logger
        self.lock = lock
        let names = try FileIO.list(directory)
        let snapshots = names.compactMap { Self.generation(of: $0, prefix: "state-", suffix: ".json") }.sorted()
        let journals = names.compactMap { Self.generation(of: $0, prefix: "journal-", suffix: ".jsonl") }.sorted()

        var state = AgentState(agency: agency)
        var generation = 0
        var snapshotBytes = 0
        if let newest = snapshots.last {
            let path = directory + "/state-\(newest).json"
            guard let bytes = try FileIO.read(path) else { throw FileIO.Error(description: "\(path) vanished") }
            let snapshot: Snapshot
            do { snapshot = try Snapshot.read(bytes) } catch {
                throw FileIO.Error(description: "\(path) cannot be read: \(ConcordJSON.explain(error))")
            }
            guard snapshot.agency == agency else {
                throw FileIO.Error(
                    description:
                        "\(directory) holds agency \(snapshot.agency)'s store, not \(agency)'s; use another --state-dir"
                )
            }
            state = snapshot.state
            generation = newest
            snapshotBytes = bytes.count
        }
        var journalVersion = JournalEntry.history.current
        for g in journals where g >= generation {
            journalVersion = try Self.replay(directory + "/journal-\(g).jsonl", into: &state, logger: logger)
            generation = g
        }
        self.state = state
        self.generation = generation
        self.snapshotBytes = snapshotBytes
        let journalPath = directory + "/journal-\(generation).jsonl"
        let created = !journals.contains(generation)
        journal = try AppendFile(path: journalPath)
        if journal.size == 0 { try journal.append(JournalHeader.current.json + [0x0A], sync: true) }
        if created { try FileIO.syncDirectory(of: journalPath) }
        // Only what the newest snapshot holds may go: older snapshots and older journals,
        // and the temporary file of a snapshot that was never renamed into place.
        let newest = snapshots.last ?? 0
        for g in snapshots where g < newest { unlink(directory + "/state-\(g).json") }
        for g in journals where g < newest { unlink(directory + "/journal-\(g).jsonl") }
        for name in names where name.hasPrefix("state-") && name.hasSuffix(".json.tmp") {
            unlink(directory + "/" + name)
        }
        // A journal of an older version (left by the agent before an upgrade) is never
        // appended to: lines of two versions in one file would be migrated as one.
        if journalVersion < JournalEntry.history.current {
            logger.notice(
                "store of an older version: compacting into the current one", metadata: ["journal": "\(journalVersion)"]
            )
            try compact()
        }
    }

    deinit { FileIO.unlock(lock) }

    static func generation(of name: String, prefix: String, suffix: String) -> Int? {
        guard name.hasPrefix(prefix), name.hasSuffix(suffix) else { return nil }
        return Int(name.dropFirst(prefix.count).dropLast(suffix.count))
    }

    /// Applies the journal's entries to `state`; returns the journal's version.
    @discardableResult
    static func replay(_ path: String, into state: inout AgentState, logger: Logger) throws -> Int {
        guard let bytes = try FileIO.read(path), !bytes.isEmpty else { return JournalEntry.history.current }
        var start = 0
        var lineNumber = 0
        var version = 1
        while start < bytes.count {
            lineNumber += 1
            guard let end = bytes[start...].firstIndex(of: 0x0A) else {
                logger.warning(
                    "dropped a torn last journal line (a crash during a write; it was never acknowledged)",
                    metadata: ["file": "\(path)", "line": "\(lineNumber)", "bytes": "\(bytes.count - start)"])
                let file = try AppendFile(path: path)
                try file.truncate(to: start)
                return start == 0 ? JournalEntry.history.current : version
            }
            let line = bytes[start..<end]
            if lineNumber == 1, let header = JournalHeader.read(line) {
                version = header.format
                guard version <= JournalEntry.history.current else {
                    throw FileIO.Error(
                        description:
                            "\(path) has format \(version), newer than this concord-agent reads (1...\(JournalEntry.history.current))"
                    )
                }
            } else if !line.isEmpty {
                do {
                    let current = try JournalEntry.history.upgrade(Array(line), from: version)
                    state.apply(try JournalEntry.decode(json: current))
                } catch {
                    if end == bytes.count - 1 {
                        logger.warning(
                            "dropped an unreadable last journal line",
                            metadata: ["file": "\(path)", "line": "\(lineNumber)"])
                        let file = try AppendFile(path: path)
                        try file.truncate(to: start)
                        return start == 0 ? JournalEntry.history.current : version
                    }
                    throw FileIO.Error(
                        description:
                            "\(path) line \(lineNumber) cannot be read (\(ConcordJSON.explain(error))); the store is damaged: restore it from a backup or move it aside"
                    )
                }
            }
            start = end + 1
        }
        return version
    }

    // MARK: Writes

    /// Records a local edit durably (appended and fsynced) before it is acknowledged.
    public func recordEdit(_ change: Change) throws {
        try append(.edit(change), line: nil, sync: true)
    }

    /// Records the hub's answers: the changes leave the queue, the answers are kept.
    public func recordAnswers(_ results: [ChangeResult], at time: Timestamp) throws {
        try append(.answered(results, at: time), line: nil, sync: true)
    }

    /// Records a pull: records, conflicts and the new cursor. `raw`, the answer's JSON as
    /// the hub sent it, is journalled as it is rather than encoded again. Not fsynced: if
    /// lost, the same records are pulled again from the older cursor.
    public func recordPull(_ response: PullResponse, raw: [UInt8]? = nil, at time: Timestamp) throws {
        var line: [UInt8]?
        if let raw, !raw.contains(0x0A), !raw.isEmpty { line = JournalEntry.pulledLine(raw: raw, at: time) }
        try append(.pulled(response, at: time), line: line, sync: false)
    }

    /// Records the hub's plan list, replacing the one kept (not fsynced).
    public func recordPlans(_ plans: [PlanSummary]) throws {
        try append(.plans(plans), line: nil, sync: false)
    }

    /// Appends one journal line (`line`, or the entry encoded) and applies the entry. After
    /// an fsync failure the state goes to a new snapshot and journal before anything more is
    /// written, so nothing depends on pages the kernel may have dropped.
    private func append(_ entry: JournalEntry, line: [UInt8]?, sync: Bool) throws {
        if mustRewrite { try compact() }
        var bytes = line ?? entry.json
        bytes.append(0x0A)
        do {
            try journal.append(bytes, sync: sync)
        } catch {
            if journal.needsRewrite { mustRewrite = true }
            throw error
        }
        state.apply(entry)
    }

    /// The journal's size in bytes (for tests and status).
    public var journalBytes: Int { journal.size }

    /// Compacts when the journal has outgrown the snapshot; returns whether it did.
    @discardableResult
    public func compactIfNeeded() throws -> Bool {
        guard journal.size > max(compactionThreshold, snapshotBytes) else { return false }
        try compact()
        return true
    }

    /// Writes a snapshot of the current state and starts a new journal.
    public func compact() throws {
        let next = generation + 1
        journal = try AppendFile(path: directory + "/journal-\(next).jsonl")
        if journal.size == 0 { try journal.append(JournalHeader.current.json + [0x0A], sync: false) }
        // From here on entries go to journal `next`, which replays after any older snapshot:
        // if the snapshot below is not written, nothing is lost and the next try uses next+1.
        generation = next
        try FileIO.syncDirectory(of: journal.path)
        let bytes = Snapshot(state, generation: next).json
        try FileIO.replace(directory + "/state-\(next).json", with: bytes)
        mustRewrite = false
        for g in 0..<next {
            unlink(directory + "/state-\(g).json")
            unlink(directory + "/journal-\(g).jsonl")
        }
        snapshotBytes = bytes.count
        logger.info("store compacted", metadata: ["generation": "\(next)", "bytes": "\(bytes.count)"])
    }
}
