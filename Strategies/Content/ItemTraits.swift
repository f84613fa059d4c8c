import RecLabCore

/// What a reason can name: each movie's directors, cast, keywords and companies that at least
/// one other movie shares, as small token lists so that two movies compare in microseconds.
struct ItemTraits: Sendable {
    /// One categorical field: display names by token, and each movie's tokens.
    struct Field: Sendable {
        let names: [String]
        let byItem: [[Int32]]

        func write(to writer: inout ModelWriter) {
            writer.write(strings: names)
            writer.write(nested: byItem)
        }

        init(names: [String], byItem: [[Int32]]) {
            self.names = names
            self.byItem = byItem
        }

        init(from reader: inout ModelReader, items: Int) throws(ModelArchiveError) {
            names = try reader.readStrings()
            byItem = try reader.readNested()
            try reader.expect(byItem.count == items, "traits of \(byItem.count) movies for \(items)")
            try reader.expect(byItem.joined().allSatisfy { $0 >= 0 && Int($0) < names.count }, "a trait token without a name")
        }

        /// `seed`'s tokens that `candidate` also has, in `seed`'s order.
        func shared(_ seed: Int, _ candidate: Int) -> [String] {
            let theirs = byItem[candidate]
            guard !theirs.isEmpty else { return [] }
            return byItem[seed].filter(theirs.contains).map { names[Int($0)] }
        }
    }

    let directors: Field
    let cast: Field
    /// Rarest first, so a reason names the most telling keywords.
    let keywords: Field
    let companies: Field
    /// Rarest first.
    let titleWords: Field
    let genres: [[Genre]]

    init(items: [CatalogueItem], fields: FieldBags) {
        func field(
            _ bag: FieldBag, names: [String], rarestFirst: Bool = false, where include: (Int32) -> Bool = { _ in true }
        ) -> Field {
            let frequencies = bag.documentFrequencies
            let byItem = bag.items.map { tokens in
                let shared = tokens.map(\.token).filter { frequencies[Int($0)] >= 2 && include($0) }
                guard rarestFirst else { return shared }
                return shared.sorted { (frequencies[Int($0)], names[Int($0)]) < (frequencies[Int($1)], names[Int($1)]) }
            }
            return Field(names: names, byItem: byItem)
        }
        directors = field(fields.directors, names: fields.directorNames)
        cast = field(fields.cast, names: fields.castNames)
        keywords = field(fields.keywords, names: fields.keywordNames, rarestFirst: true)
        companies = field(fields.companies, names: fields.companyNames)
        // Words, not n-grams: "dark, knight" reads better than "dark, knight, dark knight".
        titleWords = field(fields.title, names: fields.terms, rarestFirst: true) { !fields.terms[Int($0)].contains(" ") }
        genres = items.map(\.genres)
    }

    func write(to writer: inout ModelWriter) {
        for field in [directors, cast, keywords, companies, titleWords] { field.write(to: &writer) }
    }

    /// Read in `write(to:)`'s order; genres come from the catalogue, as at fit time.
    init(from reader: inout ModelReader, items: [CatalogueItem]) throws(ModelArchiveError) {
        directors = try Field(from: &reader, items: items.count)
        cast = try Field(from: &reader, items: items.count)
        keywords = try Field(from: &reader, items: items.count)
        companies = try Field(from: &reader, items: items.count)
        titleWords = try Field(from: &reader, items: items.count)
        genres = items.map(\.genres)
    }

    /// What `candidate` shares with `seed`, as a phrase to follow "Similar to …" or start a
    /// sentence ("same director: Christopher Nolan; shared keywords: dream, heist"). Directors,
    /// cast and keywords are named together; failing those, title words, then studios, then
    /// genres ("also Science Fiction and Thriller"); nil when the movies share only overview
    /// words or audience figures.
    func sharedTraits(_ seed: Int, _ candidate: Int) -> String? {
        var parts: [String] = []
        let directors = directors.shared(seed, candidate)
        if !directors.isEmpty {
            parts.append("same \(directors.count == 1 ? "director" : "directors"): \(directors.joined(separator: ", "))")
        }
        let cast = cast.shared(seed, candidate)
        if !cast.isEmpty { parts.append("shared cast: \(cast.prefix(2).joined(separator: ", "))") }
        let keywords = keywords.shared(seed, candidate)
        if !keywords.isEmpty { parts.append("shared keywords: \(keywords.prefix(3).joined(separator: ", "))") }
        if !parts.isEmpty { return parts.joined(separator: "; ") }

        let titleWords = titleWords.shared(seed, candidate)
        if !titleWords.isEmpty { return "shared title words: \(titleWords.prefix(3).joined(separator: ", "))" }
        let companies = companies.shared(seed, candidate)
        if !companies.isEmpty {
            return "same \(companies.count == 1 ? "studio" : "studios"): \(companies.prefix(2).joined(separator: ", "))"
        }
        let theirGenres = genres[candidate]
        let genres = genres[seed].filter { genre in theirGenres.contains { $0.id == genre.id } }.map(\.name)
        if !genres.isEmpty { return "also \(Self.list(genres))" }
        return nil
    }

    /// "A", "A and B", "A, B and C".
    private static func list(_ names: [String]) -> String {
        guard names.count > 1 else { return names.first ?? "" }
        return names.dropLast().joined(separator: ", ") + " and " + names[names.count - 1]
    }
}
