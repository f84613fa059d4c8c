import Foundation
import LinearAlgebra
import RecLabCore

/// The catalogue as unit-length feature vectors, split by how many movies share each column.
///
/// Each field is a bag of tokens weighted by TF-IDF: smooth idf `ln((1 + n) / (1 + df)) + 1`
/// over that field's own documents (a genre as common as Drama says less than Western, a
/// word common in overviews may still be rare in titles), sublinear tf `1 + ln(tf)` for free
/// text so a word repeated in an overview does not drown the rest, binary tf for categorical
/// values. The field's bag is L2-normalised, then scaled by the field's weight; the numeric
/// z-scores follow, and the whole vector is L2-normalised so that a dot product is a cosine.
///
/// A field a movie lacks is unknown, not empty: it counts as a value of its own that no other
/// movie shares. Otherwise a movie known only by its title and genres (a third of the
/// catalogue comes from MovieLens alone) would be a pure genre vector, as similar to a rich
/// film of those genres as that film's sequel, and would crowd the sequels out.
///
/// A token only one movie has cannot make two movies similar, so it counts towards the norms
/// and then gets no column. Tokens many movies share are dense columns, multiplied by sgemm;
/// the long tail shared by a few movies (most keywords, cast, directors) goes through posting
/// lists instead. On the real catalogue (11,300 movies) that leaves 14 dense columns instead
/// of 18,000 (830 MB, 27 s of sgemm) and fits in about 1.3 s, with the same similarities.
struct ContentFeatures {
    /// One row per movie: the columns shared by at least `denseDocumentFrequency` movies, then the numeric features.
    let dense: Matrix
    /// Each movie's rarer columns.
    let sparseRows: CompressedRows
    /// For each rarer column, the movies that have it: `sparseRows` transposed.
    let postings: CompressedRows
    /// Columns that can make two movies similar: dense, sparse and numeric.
    let featureCount: Int
    let traits: ItemTraits

    /// A dense column costs 2n² flops in sgemm whoever has it; a posting list of df movies costs
    /// df² scalar updates. sgemm runs about a hundred times faster per operation than those
    /// scattered updates, so the two break even near df ≈ n / 10.
    static func denseDocumentFrequency(items: Int) -> Int { max(2, items / 10) }

    /// vote average, log popularity, log vote count, runtime, year.
    static let numericColumns = 5

    init(catalogue: Catalogue, parameters: ContentStrategy.Parameters) {
        let items = catalogue.items
        let fields = FieldBags(items: items, parameters: parameters)
        let active = fields.active
        let numeric = Self.numericFeatures(items, weight: Float(parameters.numericalFeaturesWeight))
        let n = items.count

        // Every field counts its weight² towards every movie's norm, known for that movie or not.
        let fieldsSquaredNorm = active.reduce(0) { $0 + $1.weight * $1.weight }
        var itemScales = [Float](repeating: 0, count: n)
        for item in 0..<n {
            let figures = numeric[(item * Self.numericColumns)..<((item + 1) * Self.numericColumns)]
            let squaredNorm = figures.reduce(fieldsSquaredNorm) { $0 + $1 * $1 }
            itemScales[item] = squaredNorm > 0 ? 1 / squaredNorm.squareRoot() : 0
        }

        enum Route { case dropped, dense(Int), sparse(Int32) }
        let denseThreshold = Self.denseDocumentFrequency(items: n)
        var denseCount = Self.numericColumns
        var sparseCount: Int32 = 0
        let routes: [[Route]] = active.map { field in
            field.documentFrequencies.map { frequency in
                switch Int(frequency) {
                case ..<2:
                    return .dropped
                case denseThreshold...:
                    denseCount += 1
                    return .dense(denseCount - 1)
                default:
                    sparseCount += 1
                    return .sparse(sparseCount - 1)
                }
            }
        }

        var dense = Matrix(rows: n, columns: denseCount)
        var sparseOffsets = [0]
        var sparseColumns: [Int32] = []
        var sparseValues: [Float] = []
        dense.withUnsafeMutableMatrixBuffer { matrix in
            for item in 0..<n {
                let scale = itemScales[item]
                let row = item * denseCount
                for column in 0..<Self.numericColumns {
                    matrix.elements[row + column] = numeric[item * Self.numericColumns + column] * scale
                }
                for (fieldIndex, field) in active.enumerated() {
                    let bag = field.items[item]
                    guard !bag.isEmpty else { continue }
                    let fieldScale = field.weight * scale / field.norm(of: bag)
                    for (token, weight) in field.weighted(bag) {
                        switch routes[fieldIndex][Int(token)] {
                        case .dropped: break
                        case .dense(let column): matrix.elements[row + column] = weight * fieldScale
                        case .sparse(let column):
                            sparseColumns.append(column)
                            sparseValues.append(weight * fieldScale)
                        }
                    }
                }
                sparseOffsets.append(sparseColumns.count)
            }
        }
        self.dense = dense
        self.sparseRows = CompressedRows(offsets: sparseOffsets, indices: sparseColumns, values: sparseValues)
        self.postings = sparseRows.transposed(columns: Int(sparseCount))
        self.featureCount = denseCount + Int(sparseCount)
        self.traits = ItemTraits(items: items, fields: fields)
    }

    /// Adds the rarer columns' share of `row`'s dot products to the dense share in `similarities`.
    func addSparseProducts(of row: Int, into similarities: UnsafeMutableBufferPointer<Float>) {
        sparseRows.values.withUnsafeBufferPointer { rowValues in
            postings.indices.withUnsafeBufferPointer { postingItems in
                postings.values.withUnsafeBufferPointer { postingValues in
                    for entry in sparseRows.offsets[row]..<sparseRows.offsets[row + 1] {
                        let column = Int(sparseRows.indices[entry])
                        let value = rowValues[entry]
                        for posting in postings.offsets[column]..<postings.offsets[column + 1] {
                            similarities[Int(postingItems[posting])] += value * postingValues[posting]
                        }
                    }
                }
            }
        }
    }

    /// z-scores clipped to ±3 (missing → 0, the mean) and scaled by `weight / √5`, so the block's
    /// expected norm is `weight` like the L2-normalised fields' while a movie's own figures still
    /// decide how far it stands out.
    private static func numericFeatures(_ items: [CatalogueItem], weight: Float) -> [Float] {
        let raw: [(CatalogueItem) -> Double?] = [
            // TMDB reports 0/10 for movies nobody voted on.
            { item in (item.voteCount ?? 1) > 0 ? item.voteAverage : nil },
            { item in item.popularity.map { log1p(max(0, $0)) } },
            { item in item.voteCount.map { log1p(Double(max(0, $0))) } },
            // TMDB reports runtime 0 when it does not know it.
            { item in item.runtime.flatMap { $0 > 0 ? Double($0) : nil } },
            { item in item.year.map(Double.init) },
        ]
        let scale = weight / Float(numericColumns).squareRoot()
        var features = [Float](repeating: 0, count: items.count * numericColumns)
        for (column, value) in raw.enumerated() {
            let values = items.map(value)
            let present = values.compactMap { $0 }
            guard present.count >= 2 else { continue }
            let mean = present.reduce(0, +) / Double(present.count)
            let deviation = (present.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(present.count)).squareRoot()
            guard deviation > 0 else { continue }
            for (item, value) in values.enumerated() {
                guard let value else { continue }
                features[item * numericColumns + column] = Float(min(3, max(-3, (value - mean) / deviation))) * scale
            }
        }
        return features
    }
}

/// A sparse matrix stored row by row (CSR): row `r`'s entries are `offsets[r]..<offsets[r + 1]`.
struct CompressedRows: Sendable {
    let offsets: [Int]
    let indices: [Int32]
    let values: [Float]

    /// The same matrix stored column by column, each column's rows in ascending order.
    func transposed(columns: Int) -> CompressedRows {
        var counts = [Int](repeating: 0, count: columns + 1)
        for column in indices { counts[Int(column) + 1] += 1 }
        for column in 0..<columns { counts[column + 1] += counts[column] }
        var next = counts
        var rows = [Int32](repeating: 0, count: indices.count)
        var transposedValues = [Float](repeating: 0, count: indices.count)
        for row in 0..<(offsets.count - 1) {
            for entry in offsets[row]..<offsets[row + 1] {
                let column = Int(indices[entry])
                rows[next[column]] = Int32(row)
                transposedValues[next[column]] = values[entry]
                next[column] += 1
            }
        }
        return CompressedRows(offsets: counts, indices: rows, values: transposedValues)
    }
}

/// One field's tokens: for each movie, its distinct tokens and how often each occurs.
struct FieldBag {
    let weight: Float
    /// Free text damps repeated words; categorical values count once.
    let sublinear: Bool
    let items: [[(token: Int32, frequency: Int32)]]
    let documentFrequencies: [Int32]
    let inverseDocumentFrequencies: [Float]

    init(weight: Double, sublinear: Bool, tokenCount: Int, items: [[(token: Int32, frequency: Int32)]]) {
        self.weight = Float(weight)
        self.sublinear = sublinear
        self.items = items
        var frequencies = [Int32](repeating: 0, count: tokenCount)
        for bag in items {
            for (token, _) in bag { frequencies[Int(token)] += 1 }
        }
        documentFrequencies = frequencies
        let documents = Float(items.count)
        inverseDocumentFrequencies = frequencies.map { log((1 + documents) / (1 + Float($0))) + 1 }
    }

    func weighted(_ bag: [(token: Int32, frequency: Int32)]) -> some Sequence<(token: Int32, weight: Float)> {
        bag.lazy.map { token, frequency in
            (token, (sublinear ? 1 + log(Float(frequency)) : 1) * inverseDocumentFrequencies[Int(token)])
        }
    }

    func norm(of bag: [(token: Int32, frequency: Int32)]) -> Float {
        weighted(bag).reduce(0) { $0 + $1.weight * $1.weight }.squareRoot()
    }
}

/// The feature vector's fields, each tokenised into a `FieldBag`, and the names of the categorical tokens.
struct FieldBags {
    let title: FieldBag
    let overview: FieldBag
    let genres: FieldBag
    let keywords: FieldBag
    let cast: FieldBag
    let directors: FieldBag
    let companies: FieldBag
    /// The free-text vocabulary, by token.
    let terms: [String]
    let keywordNames: [String]
    let castNames: [String]
    let directorNames: [String]
    let companyNames: [String]

    /// The fields that make up the vector: those weighted zero, or that no movie of the
    /// catalogue has, take no columns and leave the others' share alone.
    var active: [FieldBag] {
        [title, overview, genres, keywords, cast, directors, companies].filter { field in
            field.weight > 0 && field.items.contains { !$0.isEmpty }
        }
    }

    init(items: [CatalogueItem], parameters: ContentStrategy.Parameters) {
        let tokenizer = Tokenizer(ngramRange: parameters.ngramMin...parameters.ngramMax)
        let titleTerms = items.map { tokenizer.terms(in: $0.title) }
        let overviewTerms = items.map { tokenizer.terms(in: $0.overview) + tokenizer.terms(in: $0.tagline) }

        // As TfidfVectorizer's max_features: the terms most frequent over the whole corpus, ties alphabetically.
        var corpusFrequencies: [String: Int] = [:]
        for terms in [titleTerms, overviewTerms] {
            for document in terms {
                for term in document { corpusFrequencies[term, default: 0] += 1 }
            }
        }
        let kept = corpusFrequencies.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(parameters.maxFeatures)
        var vocabulary: [String: Int32] = [:]
        for (index, entry) in kept.enumerated() { vocabulary[entry.key] = Int32(index) }
        terms = kept.map(\.key)

        func textBags(_ documents: [[String]]) -> [[(token: Int32, frequency: Int32)]] {
            documents.map { terms in
                var counts: [Int32: Int32] = [:]
                for term in terms {
                    if let token = vocabulary[term] { counts[token, default: 0] += 1 }
                }
                return counts.sorted { $0.key < $1.key }.map { (token: $0.key, frequency: $0.value) }
            }
        }
        title = FieldBag(weight: parameters.titleWeight, sublinear: true, tokenCount: vocabulary.count, items: textBags(titleTerms))
        overview = FieldBag(
            weight: parameters.overviewWeight, sublinear: true, tokenCount: vocabulary.count, items: textBags(overviewTerms))

        var genreNames = CategoricalVocabulary()
        let genreBags = items.map { genreNames.bag($0.genres.map(\.name)) }
        genres = FieldBag(weight: parameters.genreWeight, sublinear: false, tokenCount: genreNames.count, items: genreBags)

        var keywordVocabulary = CategoricalVocabulary()
        let keywordBags = items.map { keywordVocabulary.bag($0.keywords) }
        keywords = FieldBag(weight: parameters.keywordWeight, sublinear: false, tokenCount: keywordVocabulary.count, items: keywordBags)
        keywordNames = keywordVocabulary.names

        var castVocabulary = CategoricalVocabulary()
        let castBags = items.map { castVocabulary.bag($0.cast) }
        cast = FieldBag(weight: parameters.castWeight, sublinear: false, tokenCount: castVocabulary.count, items: castBags)
        castNames = castVocabulary.names

        var directorVocabulary = CategoricalVocabulary()
        let directorBags = items.map { directorVocabulary.bag($0.directors) }
        directors = FieldBag(
            weight: parameters.directorWeight, sublinear: false, tokenCount: directorVocabulary.count, items: directorBags)
        directorNames = directorVocabulary.names

        var companyVocabulary = CategoricalVocabulary()
        let companyBags = items.map { companyVocabulary.bag($0.productionCompanies) }
        companies = FieldBag(
            weight: parameters.companyWeight, sublinear: false, tokenCount: companyVocabulary.count, items: companyBags)
        companyNames = companyVocabulary.names
    }
}

/// Numbers the distinct values of one categorical field by `Tokenizer.key(for:)`, keeping the
/// first spelling seen for display.
struct CategoricalVocabulary {
    private var tokens: [String: Int32] = [:]
    private(set) var names: [String] = []

    var count: Int { names.count }

    /// A movie's distinct values as tokens, in the movie's order (credit order for people).
    mutating func bag(_ values: [String]) -> [(token: Int32, frequency: Int32)] {
        var bag: [(token: Int32, frequency: Int32)] = []
        for value in values {
            let key = Tokenizer.key(for: value)
            guard !key.isEmpty else { continue }
            let token: Int32
            if let known = tokens[key] {
                token = known
            } else {
                token = Int32(names.count)
                tokens[key] = token
                names.append(value)
            }
            if !bag.contains(where: { $0.token == token }) { bag.append((token, 1)) }
        }
        return bag
    }
}
