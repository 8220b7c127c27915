import Testing

@testable import ConcordAgent

/// The agent's link and sync state as a pure value, driven by a clock of the test's own.
@Suite("Sync state")
struct SyncStateTests {
    static let t0 = ContinuousClock.now
    static func at(_ seconds: Double) -> ContinuousClock.Instant { t0 + .milliseconds(Int(seconds * 1000)) }
    static let window = Duration.seconds(30)

    @Test func onlineOnlyWhileTheHubIsHeardWithinTheWindow() {
        var state = SyncState(started: Self.at(0))
        #expect(!state.online(at: Self.at(1), window: Self.window), "not heard from yet")
        #expect(state.heard(at: Self.at(2)) == [.reachable, .endPauses])
        #expect(state.online(at: Self.at(32), window: Self.window))
        #expect(!state.online(at: Self.at(32.1), window: Self.window), "silent for the whole window")
        #expect(state.heard(at: Self.at(40)).isEmpty, "already reachable: nothing to say")
        #expect(state.online(at: Self.at(41), window: Self.window))
    }

    @Test func unreachable_isSaidOnce_andEndsOnlineAtOnce() {
        var state = SyncState(started: Self.at(0))
        _ = state.heard(at: Self.at(1))
        #expect(state.unreachable("reset") == [.unreachable("reset")])
        #expect(!state.online(at: Self.at(1.5), window: Self.window))
        #expect(state.unreachable("reset").isEmpty, "the same reason again is no news")
        #expect(state.unreachable("timeout") == [.unreachable("timeout")])
        #expect(state.problem == "timeout")
        // Heard again: reachable, the pauses end, the problem is gone.
        #expect(state.heard(at: Self.at(3)) == [.reachable, .endPauses])
        #expect(state.problem == nil)
    }

    @Test func aRefusal_isContactButKeepsItsReason() {
        var state = SyncState(started: Self.at(0))
        #expect(state.refused("busy", at: Self.at(1)) == [.reachable, .endPauses, .refused("busy")])
        #expect(state.online(at: Self.at(2), window: Self.window))
        #expect(state.problem == "busy")
        #expect(state.refused("busy", at: Self.at(3)).isEmpty)
    }

    @Test func silent_isCutOffAndNothingHeardForTheWindow() {
        var state = SyncState(started: Self.at(0))
        #expect(!state.silent(at: Self.at(10), window: Self.window), "just started")
        #expect(state.silent(at: Self.at(31), window: Self.window), "started long ago, never heard")
        _ = state.heard(at: Self.at(40))
        _ = state.unreachable("gone")
        #expect(!state.silent(at: Self.at(60), window: Self.window))
        #expect(state.silent(at: Self.at(71), window: Self.window))
    }

    @Test func aSync_isOverWhenAPullCompletesCaughtUp_orAnAttemptFails_orSyncStops() {
        var state = SyncState(started: Self.at(0))
        _ = state.heard(at: Self.at(1))
        let mark = state.mark
        #expect(state.requestSync() == [.endPauses])
        #expect(state.takeSyncRequest() && !state.takeSyncRequest(), "taken once")
        #expect(!state.syncIsOver(since: mark, at: Self.at(2), window: Self.window) { true })
        state.pulled(3, complete: false, plansChanged: false)
        #expect(!state.syncIsOver(since: mark, at: Self.at(2), window: Self.window) { true }, "more pages wait")
        state.pulled(2, complete: true, plansChanged: true)
        #expect(!state.syncIsOver(since: mark, at: Self.at(2), window: Self.window) { false }, "not caught up")
        #expect(state.syncIsOver(since: mark, at: Self.at(2), window: Self.window) { true })
        #expect(state.pulled - mark.pulled == 5 && state.takePlansStale() && !state.takePlansStale())

        var failing = SyncState(started: Self.at(0))
        let before = failing.mark
        _ = failing.unreachable("refused")
        #expect(!failing.syncIsOver(since: before, at: Self.at(1), window: Self.window) { true })
        failing.attempted()
        #expect(failing.syncIsOver(since: before, at: Self.at(1), window: Self.window) { true })

        var stopping = SyncState(started: Self.at(0))
        let mark2 = stopping.mark
        stopping.stop()
        #expect(stopping.syncIsOver(since: mark2, at: Self.at(1), window: Self.window) { false })
    }
}
