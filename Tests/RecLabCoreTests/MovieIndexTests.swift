import RecLabCore
import Testing

@Suite struct MovieIndexTests {
    /// The index answers what a dictionary of positions would: every id its position (the later
    /// one for an id given twice), nil for any other, over ids that collide in the probe.
    @Test(arguments: [0, 1, 7, 1000, 40_000])
    func positionsAreADictionarysWhateverTheIds(count: Int) {
        var generator = SeededGenerator(seed: UInt64(count))
        // Consecutive, far apart, negative and repeated ids.
        var movies = (0..<count).map { index -> MovieID in
            switch index % 4 {
            case 0: MovieID(index)
            case 1: MovieID(index) << 32
            case 2: -MovieID(index) - 1
            default: MovieID(bitPattern: UInt64(generator.next() % 1_000_000))
            }
        }
        if count > 3 { movies.append(movies[2]) }
        let index = MovieIndex(movies)
        var expected: [MovieID: Int] = [:]
        for (position, movie) in movies.enumerated() { expected[movie] = position }
        #expect(index.count == expected.count)
        for (movie, position) in expected { #expect(index[movie] == position, "movie \(movie)") }
        for absent in [MovieID.min, MovieID.max, 1_000_001, -(MovieID(count) + 5)] where expected[absent] == nil {
            #expect(index[absent] == nil, "movie \(absent)")
        }
    }
}
