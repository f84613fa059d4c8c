import RecLabCore
import Testing

/// The controls' one syntax and parser, shared by the API, offline evaluations and experiment
/// variants: what each parameter means, what is refused, and how a variant's add to a caller's.
@Suite struct ListControlsTests {
    @Test func aQueryNamesEveryControlAndLeavesOtherParametersToTheirOwner() throws {
        let controls = try ListControls(
            parameters: [
                ("limit", "10"), ("genres", "comedy,sci-fi"), ("genres", "18"), ("exclude_genres", "horror"), ("year_from", "1990"), ("year_to", "1999"),
                ("min_rating", "7"), ("exclude", "603,27205"), ("exclude", "603"), ("diversify", "mmr"), ("unseen_for", "12h"),
            ],
            user: true)
        #expect(controls.filter == ListFilter(genres: [35, 878, 18], excludedGenres: [27], yearFrom: 1990, yearTo: 1999, minimumRating: 7))
        #expect(controls.excluded == [603, 27205])
        #expect(controls.diversification == .mmr(diversity: 0.3), "diversity defaults to 0.3")
        #expect(controls.unseenFor == 12 * 3_600)
        #expect(try ListControls(query: controls.description, user: true) == controls, "the description reads back as the same controls")
        #expect(try ListControls(parameters: [("limit", "5")], user: false).isEmpty)
    }

    @Test(arguments: [
        ("year_from=2000&year_to=1990", "'year_from' (2000) is after 'year_to'"), ("genres=drama&exclude_genres=drama", "both in 'genres'"),
        ("max_per_genre=2", "need 'diversify'"), ("diversify=genre_cap&diversity=0.2", "goes with diversify=mmr"),
        ("unseen_for=91d", "at most 90d"), ("unseen_for=7", "a duration"), ("limit=5", "unknown control 'limit'"), ("min_rating=-1", "from 0.0 to 10.0"),
    ])
    func whatCannotApplyIsRefusedSayingWhy(query: String, message: String) {
        let error = #expect(throws: ListControlError.self) { try ListControls(query: query, user: true) }
        #expect(error?.description.contains(message) == true, "\(error?.description ?? "")")
    }

    @Test func unseenForNeedsAUser() {
        #expect(throws: ListControlError.self) { try ListControls(query: "unseen_for=1d", user: false) }
    }

    @Test func aVariantsControlsNarrowACallersAndLeaveTheCallersVarietyInPlace() throws {
        let caller = try ListControls(query: "genres=comedy,drama&year_from=1990&diversify=mmr&exclude=1", user: true)
        let variant = try ListControls(query: "genres=drama,horror&year_from=1995&year_to=2005&diversify=genre_cap&exclude=2&unseen_for=1d", user: true)
        let both = caller.adding(variant)
        #expect(both.filter == ListFilter(genres: [18], yearFrom: 1995, yearTo: 2005))
        #expect(both.excluded == [1, 2] && both.diversification == .mmr(diversity: 0.3) && both.unseenFor == 86_400)
    }
}
