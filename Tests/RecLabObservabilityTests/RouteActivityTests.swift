import RecLabObservability
import Synchronization
import Testing

/// A clock the test moves by hand, in whole seconds.
final class SteppedClock: Sendable {
    let seconds = Atomic<Int64>(0)
    var now: @Sendable () -> Duration { { .seconds(self.seconds.load(ordering: .relaxed)) } }
}

@Suite struct RouteActivityTests {
    @Test func theRateIsOverTheLastTenSecondsAndTheQuantilesOverTheMinute() throws {
        let clock = SteppedClock()
        let activity = RouteActivity(clock: clock.now)
        for _ in 0..<100 { activity.record(route: "/genres", nanoseconds: 1_000_000) }
        for _ in 0..<10 { activity.record(route: "/genres", nanoseconds: 100_000_000) }
        clock.seconds.store(9, ordering: .relaxed)
        let figures = try #require(activity.figures().first)
        #expect(figures.route == "/genres" && figures.requests == 110)
        #expect(figures.perSecond == 11)
        // A quarter-octave bucket's upper bound: at most 19% above the true value.
        #expect(figures.p50Milliseconds >= 1 && figures.p50Milliseconds < 1.19)
        #expect(figures.p99Milliseconds >= 100 && figures.p99Milliseconds < 119)

        // Past the rate's ten seconds the requests still count for the quantiles.
        clock.seconds.store(30, ordering: .relaxed)
        let later = try #require(activity.figures().first)
        #expect(later.perSecond == 0 && later.requests == 110)
        // Past the minute the route leaves the figures.
        clock.seconds.store(60, ordering: .relaxed)
        #expect(activity.figures().isEmpty)
    }

    @Test func aSecondReusedAfterTheWindowHoldsOnlyItsOwnRequests() throws {
        let clock = SteppedClock()
        let activity = RouteActivity(clock: clock.now)
        for _ in 0..<50 { activity.record(route: "/health", nanoseconds: 5_000_000_000) }
        clock.seconds.store(60, ordering: .relaxed)
        activity.record(route: "/health", nanoseconds: 200_000)
        let figures = try #require(activity.figures().first)
        #expect(figures.requests == 1)
        #expect(figures.p99Milliseconds < 0.24)
    }

    @Test func theBusiestRouteComesFirst() {
        let clock = SteppedClock()
        let activity = RouteActivity(clock: clock.now)
        activity.record(route: "/quiet", nanoseconds: 1_000)
        for _ in 0..<3 { activity.record(route: "/busy", nanoseconds: 1_000) }
        #expect(activity.figures().map(\.route) == ["/busy", "/quiet"])
    }
}
