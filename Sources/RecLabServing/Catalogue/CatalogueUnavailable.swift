/// Why the catalogue cannot answer now; the HTTP layer answers 503 with these.
public enum CatalogueUnavailable: Error, Equatable {
    /// The first catalogue is still being read.
    case loading
    /// A movie the catalogue lacks, and TMDB, which might have it, could not be asked.
    case tmdbUnreachable(tmdbID: Int, reason: String)
}
