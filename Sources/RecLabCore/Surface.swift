/// An API surface: what a configured strategy instance serves and an experiment runs on.
public enum Surface: String, CaseIterable, Sendable, Codable {
    case similar, genre, popular
    case topRated = "top-rated"
    case trending, personalized, hybrid
}
