import RecLabCore

extension CatalogueItem {
    /// What strategies see of a catalogue movie. TMDB's votes only: IMDb's counts and
    /// MovieLens's means are other scales. A movie TMDB describes (popularity is TMDB's alone)
    /// without votes has TMDB's zero.
    public init(movie: Movie) {
        let tmdbVotes = movie.ratingSource == .tmdb
        let tmdbUnrated = !tmdbVotes && movie.popularity != nil
        self.init(
            id: movie.id, tmdbID: movie.tmdbID, movieLensID: movie.movieLensID, title: movie.title, year: movie.year,
            releaseDate: movie.releaseDate, overview: movie.overview ?? "", tagline: movie.tagline ?? "",
            genres: movie.genres.compactMap(GenreCatalog.genre(named:)), keywords: movie.keywords,
            cast: movie.cast.map(\.name), directors: movie.directors, productionCompanies: movie.productionCompanies,
            runtime: movie.runtime, voteAverage: tmdbVotes ? movie.voteAverage : tmdbUnrated ? 0 : nil,
            voteCount: tmdbVotes ? movie.voteCount : tmdbUnrated ? 0 : nil, popularity: movie.popularity,
            posterPath: movie.posterPath, backdropPath: movie.backdropPath,
            shownRating: movie.shownRating)
    }
}

extension Interaction {
    /// Preferences as interactions; a preference replaces a rating of the same movie.
    public static func overlay(_ ratings: [Interaction], _ preferences: [Interaction]) -> [Interaction] {
        guard !preferences.isEmpty else { return ratings }
        let replaced = Set(preferences.map { "\($0.user)\u{1F}\($0.movie)" })
        return ratings.filter { !replaced.contains("\($0.user)\u{1F}\($0.movie)") } + preferences
    }
}
