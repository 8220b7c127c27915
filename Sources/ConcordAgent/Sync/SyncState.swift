/// What the agent knows of its link to the hub and of the sync in progress, as one value:
/// the transitions the sync loops and `sync` cause, and the questions `status` asks. Pure:
/// every time comes in as an argument (`at:`), so a test or a simulation drives it with a
/// clock of its own. ``Agent`` holds one and carries out the effects it returns.
public struct SyncState: Sendable, Equatable {
    /// What a transition asks the agent to do.
    public enum Effect: Sendable, Equatable {
        /// Say (log, and tell systemd) that the hub is reachable again.
        case reachable
        /// Say that the hub is unreachable, and why (only when that is news).
        case unreachable(String)
        /// Say that the hub refused a request, and why (only when that is news).
        case refused(String)
        /// End the sync loops' pauses now (the hub answered again, or a sync was asked for).
        case endPauses
    }

    /// When the agent started, for telling "not heard from yet" from "silent".
    public let started: ContinuousClock.Instant
    /// The last attempt to reach the hub failed, and none has succeeded since.
    public private(set) var cutOff = true
    /// When the hub last answered anything (a push, a pull, a stream's line or heartbeat).
    public private(set) var lastHeard: ContinuousClock.Instant?
    /// The last reason the hub could not be reached or refused, if any.
    public private(set) var problem: String?
    /// Push attempts made, records pushed and pulled, and pulls that reached the end, since
    /// the start: `sync` compares them before and after.
    public private(set) var pushAttempts = 0
    /// Changes the hub has taken since the start.
    public private(set) var pushed = 0
    /// Records pulled since the start.
    public private(set) var pulled = 0
    /// Pulls since the start that left nothing waiting.
    public private(set) var pullsCompleted = 0
    /// A `sync` waits for a pull of its own, which the push loop takes and makes at once.
    public private(set) var syncRequested = false
    /// The hub's plan list may have changed (a plan removed, or a record of an unlisted plan).
    public private(set) var plansStale = false
    /// Sync has stopped (shutdown).
    public private(set) var stopped = false

    /// The state of an agent started at `started`.
    public init(started: ContinuousClock.Instant) { self.started = started }

    /// Online: the hub answered within `window` and no attempt has failed since. A link
    /// where packets vanish is offline within the window, because the heartbeats stop.
    public func online(at now: ContinuousClock.Instant, window: Duration) -> Bool {
        guard !cutOff, let lastHeard else { return false }
        return now - lastHeard <= window
    }

    /// Known to be silent: cut off, and nothing heard for `window` (or since a start longer
    /// ago than that).
    public func silent(at now: ContinuousClock.Instant, window: Duration) -> Bool {
        cutOff && now - (lastHeard ?? started) > window
    }

    /// The hub answered.
    public mutating func heard(at now: ContinuousClock.Instant) -> [Effect] {
        defer {
            cutOff = false
            problem = nil
            lastHeard = now
        }
        return cutOff ? [.reachable, .endPauses] : []
    }

    /// The hub could not be reached.
    public mutating func unreachable(_ reason: String) -> [Effect] {
        let news = !cutOff || problem != reason
        cutOff = true
        problem = reason
        return news ? [.unreachable(reason)] : []
    }

    /// The hub answered, but said no: it is reachable, and the reason is kept for `status`.
    public mutating func refused(_ reason: String, at now: ContinuousClock.Instant) -> [Effect] {
        let news = problem != reason
        var effects = heard(at: now)
        problem = reason
        if news { effects.append(.refused(reason)) }
        return effects
    }

    /// A push was attempted.
    public mutating func attempted() { pushAttempts += 1 }

    /// The hub took `count` changes.
    public mutating func pushed(_ count: Int) { pushed += count }

    /// A pull brought `count` records; `complete`: nothing more was waiting; `plansChanged`:
    /// the plan list should be asked for again.
    public mutating func pulled(_ count: Int, complete: Bool, plansChanged: Bool) {
        pulled += count
        if complete { pullsCompleted += 1 }
        if plansChanged { plansStale = true }
    }

    /// Whether the plan list should be asked for again (and that it now will be).
    public mutating func takePlansStale() -> Bool {
        defer { plansStale = false }
        return plansStale
    }

    /// A `sync` was asked for.
    public mutating func requestSync() -> [Effect] {
        syncRequested = true
        return [.endPauses]
    }

    /// Whether a `sync` waits for a pull of its own (and that it is now being made).
    public mutating func takeSyncRequest() -> Bool {
        defer { syncRequested = false }
        return syncRequested
    }

    /// Sync has stopped: waiting `sync` calls return.
    public mutating func stop() { stopped = true }

    /// Where a `sync` started from, to tell what happened since.
    public struct Mark: Sendable, Equatable {
        let pushAttempts: Int
        let pushed: Int
        let pulled: Int
        let pullsCompleted: Int
    }

    /// The counts now.
    public var mark: Mark {
        Mark(pushAttempts: pushAttempts, pushed: pushed, pulled: pulled, pullsCompleted: pullsCompleted)
    }

    /// A `sync` started at `mark` is over: stopped; or online with a pull completed since
    /// (and `caughtUp`, nothing pending and the cursor past this agency's answers); or cut
    /// off with a push attempted since.
    public func syncIsOver(
        since mark: Mark, at now: ContinuousClock.Instant, window: Duration, caughtUp: () -> Bool
    ) -> Bool {
        if stopped { return true }
        if online(at: now, window: window) && pullsCompleted > mark.pullsCompleted && caughtUp() { return true }
        return cutOff && pushAttempts > mark.pushAttempts
    }
}
