import Foundation
import RecLabCore

/// Read access to the movie catalogue.
public protocol MovieRepository: Sendable {
    /// The movie with this TMDB id, with genres, keywords, cast and crew.
    func movie(tmdbID: Int) async throws -> Movie?
    /// Every movie in full, with audiences, genres and counts: what the read path serves
    /// from memory (search ranks in memory too: the store holds the data, not the ranking).
    func contents() async throws -> CatalogueContents
    /// Every genre of the catalogue, in TMDB's order.
    func genres() async throws -> [Genre]
    /// How much the catalogue holds.
    func counts() async throws -> CatalogueCounts
}

/// Every repository the server's services use, as one backend provides them (SQLite today).
/// Services see only these intention-revealing methods, so a second backend is a new
/// conformance, not a change to the server.
public typealias Repositories = MovieRepository & CatalogueImporting & InteractionRepository & PreferenceRepository
    & EvaluationRepository & EventRepository & ExposureRepository & ChangeFeed & ReplicaRegistry & AvailabilityRepository

/// The processes serving from one store, so each can take its share of a limit meant for all.
public protocol ReplicaRegistry: Sendable {
    /// Records that `process` serves now, forgets processes not seen for `expiry`, and returns
    /// how many serve (this one included).
    func checkIn(process: String, expiry: Duration) async throws -> Int
    /// Forgets `process` at once (it is stopping).
    func checkOut(process: String) async throws
}

/// The store's writes that change answers, in order, for every process sharing the store: how
/// one replica learns that another changed a user's preferences or the catalogue.
public protocol ChangeFeed: Sendable {
    /// The newest change's position; 0 when there is none.
    func latestChange() async throws -> Int64
    /// Up to `limit` changes after `position`, oldest first.
    func changes(after position: Int64, limit: Int) async throws -> [StoreChange]
    /// Records that the process named `process` refitted its models on request, so that the
    /// other processes refit too and every replica serves models of the same data.
    func announceRefit(by process: String) async throws
    /// Ticks when changes may be waiting: every `interval`, and at once when a process commits
    /// one (PostgreSQL's NOTIFY, SQLite's signal file), telling `announcements` first. Ends
    /// when its consumer stops iterating.
    func wakeUps(every interval: Duration, announcements: ChangeAnnouncements) -> AsyncStream<Void>
}

extension ChangeFeed {
    /// Ticks every `interval`, and at every announcement `listen` (run until the stream ends)
    /// passes on: what a backend returns from `wakeUps(every:announcements:)`.
    public static func wakeUps(
        every interval: Duration, announcements: ChangeAnnouncements, listen: @escaping @Sendable (AnnouncementListener) async -> Void
    ) -> AsyncStream<Void> {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let timer = Task {
            while (try? await Task.sleep(for: interval)) != nil { continuation.yield() }
        }
        let listener = Task { await listen(AnnouncementListener(announcements: announcements, wakeUp: continuation)) }
        continuation.onTermination = { _ in
            timer.cancel()
            listener.cancel()
            announcements.stoppedListening()
        }
        return stream
    }
}

/// What a backend's listener reports to: announcements heard, and whether they reach it.
public struct AnnouncementListener: Sendable {
    let announcements: ChangeAnnouncements
    let wakeUp: AsyncStream<Void>.Continuation

    /// Announcements reach this process from now on.
    public func started() {
        announcements.startedListening()
        wakeUp.yield()
    }

    /// Announcements stopped reaching this process.
    public func stopped() {
        announcements.stoppedListening()
    }

    /// Another process committed a change: until the feed is read past it, what this one
    /// holds may be stale.
    public func heard() {
        announcements.heardOne()
        wakeUp.yield()
    }

    /// This process committed a change: it dropped what the change made stale as it wrote, so
    /// what it holds stays servable; the feed is read all the same.
    public func heardOwn() {
        wakeUp.yield()
    }
}

/// One write another process must know of.
public struct StoreChange: Sendable, Equatable {
    public enum Subject: Sendable, Equatable {
        /// The user's preferences or data: their cached answers are stale.
        case user(String)
        /// Movies were added or changed: the catalogue must be read again.
        case catalogue
        /// The named process refitted its models on request: the others should refit.
        case models(refittedBy: String)
        /// An operator hid or showed a movie, or set its availability window.
        case availability

        /// `kind` names a subject without columns of its own.
        static let availabilityKind = "availability"

        /// The subject a stored change's columns name: a refitting process, else a user, else
        /// a kind, else the catalogue.
        public init(user: String?, refittedBy: String?, kind: String?) {
            if let refittedBy {
                self = .models(refittedBy: refittedBy)
            } else if let user {
                self = .user(user)
            } else {
                self = kind == Self.availabilityKind ? .availability : .catalogue
            }
        }

        /// The columns that store this subject: user_id, refitted_by and kind.
        public var columns: (user: String?, refittedBy: String?, kind: String?) {
            switch self {
            case .user(let user): (user, nil, nil)
            case .catalogue: (nil, nil, nil)
            case .models(let process): (nil, process, nil)
            case .availability: (nil, nil, Self.availabilityKind)
            }
        }
    }

    /// Consecutive from 1; a gap means changes were pruned before they were read.
    public var position: Int64
    public var subject: Subject

    public init(position: Int64, subject: Subject) {
        self.position = position
        self.subject = subject
    }
}

/// Writes imported data sets into the catalogue.
public protocol CatalogueImporting: Sendable {
    /// Merges the data sets into the catalogue in one transaction: all of them or nothing.
    /// Importing the same data again changes nothing.
    func importDatasets(_ datasets: [Dataset], progress: ImportProgress?) async throws -> CatalogueCounts
    /// TMDB ids of catalogue movies TMDB's API has not described yet, in catalogue order,
    /// leaving out ids TMDB said it does not know; at most `limit` when given.
    func moviesAwaitingTMDBDetails(limit: Int?) async throws -> [Int]
    /// Remembers ids TMDB does not know, so they are not asked for again.
    func recordUnknownToTMDB(_ tmdbIDs: [Int]) async throws
}

/// The whole catalogue, read in one go for the server to hold in memory.
public struct CatalogueContents: Sendable {
    /// Every movie, in catalogue id order.
    public var movies: [Movie]
    /// How many people rated each movie, by catalogue id: MovieLens ratings plus TMDB's vote
    /// count (IMDb's counts are on another scale and are left out).
    public var audience: [MovieID: Int]
    /// The imported (MovieLens) ratings of each movie rated at all, by catalogue id.
    public var ratings: [MovieID: Int]
    public var genres: [Genre]
    public var counts: CatalogueCounts

    public init(movies: [Movie], audience: [MovieID: Int], ratings: [MovieID: Int] = [:], genres: [Genre], counts: CatalogueCounts) {
        self.movies = movies
        self.audience = audience
        self.ratings = ratings
        self.genres = genres
        self.counts = counts
    }
}

/// The size of the catalogue.
public struct CatalogueCounts: Sendable, Equatable, Codable {
    public var movies: Int
    public var genres: Int
    public var keywords: Int
    public var people: Int
    public var ratings: Int
    public var ratingUsers: Int

    public init(movies: Int, genres: Int, keywords: Int, people: Int, ratings: Int, ratingUsers: Int) {
        self.movies = movies
        self.genres = genres
        self.keywords = keywords
        self.people = people
        self.ratings = ratings
        self.ratingUsers = ratingUsers
    }
}

/// Reports how far a long step has come: a phase name, items done, items in all.
public typealias ImportProgress = @Sendable (_ phase: String, _ done: Int, _ total: Int) -> Void

/// The interactions strategies learn from and answer with.
public protocol InteractionRepository: Sendable {
    /// The catalogue and every interaction: MovieLens ratings and, unless left out, users'
    /// preferences (an offline evaluation wants the ratings file alone).
    func trainingData(includingPreferences: Bool) async throws -> TrainingData
    /// One user's current interactions: their MovieLens ratings (when the id is a MovieLens
    /// user id) with their preferences on top.
    func history(of user: String) async throws -> [Interaction]
    /// Up to `limit` users with ratings or preferences, the most recently active first (equal
    /// times by id): whose histories a starting server reads ahead.
    func recentUsers(limit: Int) async throws -> [String]
}

/// Users' preferences: ratings, favourites, watchlist, watched.
public protocol PreferenceRepository: Sendable {
    /// Creates the user's preference for the movie, or updates it if there is one.
    /// Throws `StoreError.unknownMovie` when no movie has that TMDB id.
    func upsert(_ preference: PreferenceInput) async throws -> UserPreference
    /// The user's preferences, newest first.
    func preferences(of user: String) async throws -> [UserPreference]
    /// How many users have posted at least one preference.
    func usersWithPreferences() async throws -> Int
    /// Deletes the user's preference for the movie; false when there was none.
    func deletePreference(user: String, tmdbID: Int) async throws -> Bool
    /// Deletes everything the user gave or was shown (preferences, events, exposures) in one
    /// transaction. Their rows of an imported data set stay: those belong to the data set.
    func deleteData(of user: String) async throws -> DeletedUserData
}

/// How many rows of each kind a user's deletion removed.
public struct DeletedUserData: Sendable, Equatable, Codable {
    public var preferences: Int
    public var events: Int
    public var exposures: Int

    public init(preferences: Int, events: Int, exposures: Int) {
        self.preferences = preferences
        self.events = events
        self.exposures = exposures
    }
}

/// What a client posts as a preference.
public struct PreferenceInput: Sendable, Equatable {
    public var userID: String
    public var tmdbID: Int
    public var rating: Double?
    public var favorite: Bool
    public var watchlist: Bool
    public var watched: Bool

    public init(userID: String, tmdbID: Int, rating: Double?, favorite: Bool = false, watchlist: Bool = false, watched: Bool = false) {
        self.userID = userID
        self.tmdbID = tmdbID
        self.rating = rating
        self.favorite = favorite
        self.watchlist = watchlist
        self.watched = watched
    }
}

/// A store refusal callers can explain to a client.
public enum StoreError: Error, Equatable, CustomStringConvertible {
    case unknownMovie(tmdbID: Int)
    case unknownMovies(tmdbIDs: [Int])

    public var description: String {
        switch self {
        case .unknownMovie(let tmdbID): "no movie with tmdb_id \(tmdbID)"
        case .unknownMovies(let tmdbIDs): "no movie with tmdb_id \(tmdbIDs.map(String.init).joined(separator: ", "))"
        }
    }
}

/// Offline evaluation reports, kept so the server can serve the latest and every earlier one.
public protocol EvaluationRepository: Sendable {
    func save(_ evaluation: StoredEvaluation) async throws
    /// Every stored evaluation, newest first.
    func evaluations() async throws -> [StoredEvaluation]
    /// Every stored evaluation's id, newest first, without reading the reports.
    func evaluationIDs() async throws -> [String]
    func evaluation(id: String) async throws -> StoredEvaluation?
}

/// A stored evaluation report: its identity, the report as JSON, and the rendered page.
public struct StoredEvaluation: Sendable, Equatable {
    public var id: String
    public var name: String
    public var protocolVersion: String
    public var createdAt: Date
    public var json: Data
    public var html: String

    public init(id: String, name: String, protocolVersion: String, createdAt: Date, json: Data, html: String) {
        self.id = id
        self.name = name
        self.protocolVersion = protocolVersion
        self.createdAt = createdAt
        self.json = json
        self.html = html
    }
}

/// Users' feedback on what they were shown: the raw material of experiment reports.
public protocol EventRepository: Sendable {
    /// Stores the batch in one transaction, skipping events whose user has an event of that
    /// `eventID` stored already: an id names one event of its user, and another user's event
    /// with the same id is another event. Throws `StoreError.unknownMovies` (storing nothing)
    /// when a movie is unknown.
    func record(_ events: [FeedbackEvent]) async throws -> EventReceipt
}

/// One feedback event as a client reports it.
public struct FeedbackEvent: Sendable, Equatable {
    /// What the user did with a recommended movie.
    public enum Kind: String, Sendable, CaseIterable, Codable {
        case impression, click, watch, rating
        case addToWatchlist = "add_to_watchlist"
    }

    public var eventID: String
    public var kind: Kind
    public var userID: String
    public var tmdbID: Int
    public var requestID: String?
    public var rating: Double?
    public var occurredAt: Date

    public init(eventID: String, kind: Kind, userID: String, tmdbID: Int, requestID: String?, rating: Double?, occurredAt: Date) {
        self.eventID = eventID
        self.kind = kind
        self.userID = userID
        self.tmdbID = tmdbID
        self.requestID = requestID
        self.rating = rating
        self.occurredAt = occurredAt
    }
}

/// How a batch of events was received.
public struct EventReceipt: Sendable, Equatable, Codable {
    public var stored: Int
    public var duplicates: Int
    /// The stored events by kind, for the server's counters (not part of the answer).
    public var storedByKind: [FeedbackEvent.Kind: Int]

    /// The answer's fields: `storedByKind` stays in the server.
    enum CodingKeys: String, CodingKey {
        case stored, duplicates
    }


    public init(stored: Int, duplicates: Int, storedByKind: [FeedbackEvent.Kind: Int] = [:]) {
        self.stored = stored
        self.duplicates = duplicates
        self.storedByKind = storedByKind
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(stored: try container.decode(Int.self, forKey: .stored), duplicates: try container.decode(Int.self, forKey: .duplicates))
    }
}

/// Which experiment variants served which recommendation answers, so feedback on an answer
/// (by its `request_id`) can be credited to the variant that produced it.
public protocol ExposureRepository: Sendable {
    /// Stores the exposures; one already stored (same request id) is left as it is.
    func record(_ exposures: [Exposure]) async throws
    /// Per variant and user of `experiment`: their exposures and the distinct impressions,
    /// clicks and watches credited to those answers, and how many events named one of them
    /// but were not credited.
    ///
    /// An event is credited to an answer only when it is the same user's, about a movie that
    /// answer showed, and received within `attributionWindow` after it was shown (nil: no time
    /// limit, for replays whose clock is the data's); a click or watch only when the same
    /// (answer, movie) has a credited impression too (`ActivityQueries`).
    func activity(experiment: String, attributionWindow: Duration?) async throws -> ExperimentActivity
    /// Deletes events received and exposures shown before `cutoff`; how many of each.
    func deleteEvidence(before cutoff: Date) async throws -> (events: Int, exposures: Int)
    /// The TMDB ids shown to `user` since `since` (every answer addressed to them, in an
    /// experiment or not) that they did not click after they were shown: what `unseen_for`
    /// leaves out. Read through an index on (user, time), never a scan.
    func shownUnclicked(to user: String, since: Date) async throws -> Set<Int>
}

/// What `ExposureRepository.shownUnclicked` works out from the rows it reads: each movie's
/// first showing since the window began, less those clicked at or after it.
public enum ShownUnclicked {
    public static func movies(shown: [(at: Date, movies: [Int])], clicks: [(movie: Int, at: Date)]) -> Set<Int> {
        var first: [Int: Date] = [:]
        for answer in shown {
            for movie in answer.movies where first[movie].map({ answer.at < $0 }) ?? true { first[movie] = answer.at }
        }
        // A second's slack: the click and the answer are stamped by different clocks' calls.
        for click in clicks where first[click.movie].map({ click.at >= $0.addingTimeInterval(-1) }) ?? false { first[click.movie] = nil }
        return Set(first.keys)
    }
}

/// What an experiment's report is computed from.
public struct ExperimentActivity: Sendable, Equatable {
    public var users: [VariantUserActivity]
    /// Events naming one of the experiment's answers that were not credited to it: another
    /// user's, about a movie it did not show, or outside the attribution window.
    public var unattributedEvents: Int
    /// For interleaved answers: what each user did with the movies each team put in their lists.
    public var teams: [TeamUserActivity]

    public init(users: [VariantUserActivity], unattributedEvents: Int, teams: [TeamUserActivity] = []) {
        self.users = users
        self.unattributedEvents = unattributedEvents
        self.teams = teams
    }
}

/// The SQL both backends compute an experiment's activity with, around the backend's own
/// condition for crediting an event to an exposure `x` (`credited(alias)`, for the event of
/// that alias) and its placeholder for the experiment's name.
///
/// A click or a watch counts only for a movie the same answer's user was shown: an
/// impression of that (answer, movie) credited too, in whichever order the two arrived. So
/// clicks are a subset of impressions, and CTR can never pass 1 however events are sent.
public enum ActivityQueries {
    /// Per variant and user: exposures, and distinct (answer, movie) pairs seen, and of those
    /// clicked and watched, so a repeated click or a re-sent impression counts once. Users
    /// sort bytewise, whatever the database's collation.
    public static func perUser(credited: (String) -> String, experiment: String, bytewise: String) -> String {
        """
        SELECT x.variant, x.user_id,
               COUNT(DISTINCT x.request_id) AS exposures, MIN(x.exposed_at) AS first_exposed_at,
               COALESCE(SUM(p.shown), 0) AS impressions,
               COALESCE(SUM(p.shown * p.clicked), 0) AS clicks,
               COALESCE(SUM(p.shown * p.watched), 0) AS watches
        FROM exposures x
        LEFT JOIN (\(pairs(credited: credited, experiment: experiment))) p ON p.request_id = x.request_id
        WHERE x.experiment = \(experiment)
        GROUP BY x.variant, x.user_id
        ORDER BY x.variant \(bytewise), x.user_id \(bytewise)
        """
    }

    /// Per user and team of interleaved answers: the impressions, clicks and watches of the
    /// movies that team picked, counted as `perUser` counts them.
    public static func perTeam(credited: (String) -> String, experiment: String, bytewise: String) -> String {
        """
        SELECT x.user_id, t.team,
               COALESCE(SUM(p.shown), 0) AS impressions,
               COALESCE(SUM(p.shown * p.clicked), 0) AS clicks,
               COALESCE(SUM(p.shown * p.watched), 0) AS watches
        FROM exposures x
        JOIN exposure_teams t ON t.request_id = x.request_id
        LEFT JOIN (\(pairs(credited: credited, experiment: experiment))) p ON p.request_id = x.request_id AND p.movie_id = t.movie_id
        WHERE x.experiment = \(experiment)
        GROUP BY x.user_id, t.team
        ORDER BY x.user_id \(bytewise), t.team \(bytewise)
        """
    }

    /// Events naming one of the experiment's answers that were not credited to it, or are a
    /// click or watch without a credited impression of their movie (`events`).
    public static func unattributed(credited: (String) -> String, experiment: String) -> String {
        """
        SELECT COUNT(*) AS events FROM events e JOIN exposures x ON x.request_id = e.request_id
        WHERE x.experiment = \(experiment) AND (NOT (\(credited("e"))) OR (e.type IN ('click', 'watch') AND NOT EXISTS (
            SELECT 1 FROM events i
            WHERE i.request_id = e.request_id AND i.movie_id = e.movie_id AND i.type = 'impression' AND \(credited("i")))))
        """
    }

    /// Each (answer, movie) of the experiment that credited events name: whether it was
    /// shown (an impression), clicked and watched, as 1 or 0.
    static func pairs(credited: (String) -> String, experiment: String) -> String {
        """
        SELECT e.request_id, e.movie_id,
               MAX(CASE WHEN e.type = 'impression' THEN 1 ELSE 0 END) AS shown,
               MAX(CASE WHEN e.type = 'click' THEN 1 ELSE 0 END) AS clicked,
               MAX(CASE WHEN e.type = 'watch' THEN 1 ELSE 0 END) AS watched
        FROM exposures x JOIN events e ON e.request_id = x.request_id AND \(credited("e"))
        WHERE x.experiment = \(experiment)
        GROUP BY e.request_id, e.movie_id
        """
    }
}

/// One recommendation answer shown to a user: served by an experiment variant, or outside any
/// experiment (`experiment` and `variant` empty), which reports never read but `unseen_for` does.
public struct Exposure: Sendable, Equatable {
    public var requestID: String
    public var experiment: String
    public var variant: String
    public var userID: String
    public var surface: String
    public var exposedAt: Date
    /// The TMDB ids the answer showed: events about other movies are not credited to it.
    public var movies: [Int]
    /// An interleaved answer's team for each of `movies`: the variant a click on it credits.
    public var teams: [String]?

    public init(
        requestID: String, experiment: String, variant: String, userID: String, surface: String, exposedAt: Date, movies: [Int],
        teams: [String]? = nil
    ) {
        precondition(teams == nil || teams?.count == movies.count, "an interleaved exposure names one team per movie")
        self.requestID = requestID
        self.experiment = experiment
        self.variant = variant
        self.userID = userID
        self.surface = surface
        self.exposedAt = exposedAt
        self.movies = movies
        self.teams = teams
    }

    /// (movie, team) for every movie of an interleaved answer.
    public var picks: [(movie: Int, team: String)] {
        guard let teams else { return [] }
        return zip(movies, teams).map { ($0, $1) }
    }
}

/// What one user did with the movies one team put in their interleaved lists.
public struct TeamUserActivity: Sendable, Equatable {
    public var userID: String
    public var team: String
    public var impressions: Int
    public var clicks: Int
    public var watches: Int

    public init(userID: String, team: String, impressions: Int, clicks: Int, watches: Int) {
        self.userID = userID
        self.team = team
        self.impressions = impressions
        self.clicks = clicks
        self.watches = watches
    }
}

/// What one user did in one variant: the unit experiment statistics are computed over.
public struct VariantUserActivity: Sendable, Equatable {
    public var variant: String
    public var userID: String
    public var exposures: Int
    /// Distinct (answer, movie) pairs the user saw, clicked and watched.
    public var impressions: Int
    public var clicks: Int
    public var watches: Int
    /// When the experiment first served the user: activity before it is unaffected by the
    /// variant (CUPED's covariate).
    public var firstExposedAt: Date?

    public init(variant: String, userID: String, exposures: Int, impressions: Int, clicks: Int, watches: Int, firstExposedAt: Date? = nil) {
        self.variant = variant
        self.userID = userID
        self.exposures = exposures
        self.impressions = impressions
        self.clicks = clicks
        self.watches = watches
        self.firstExposedAt = firstExposedAt
    }
}
