/// A number a model archive stores as its in-memory bytes: arrays of them are copied whole,
/// so a 100 MB weight matrix is written and read in one copy each way.
public protocol ArchivableScalar: BitwiseCopyable {}

extension Int: ArchivableScalar {}
extension Int32: ArchivableScalar {}
extension Int64: ArchivableScalar {}
extension UInt8: ArchivableScalar {}
extension Float: ArchivableScalar {}
extension Double: ArchivableScalar {}
extension Bool: ArchivableScalar {}

/// Collects a fitted model's state as bytes, for a model generation that other processes load
/// instead of fitting (`FittedModel.write(to:)`).
///
/// The bytes are the host's (little-endian, 64-bit `Int`): generations move between replicas
/// of one build, never across architectures.
public struct ModelWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func write<T: ArchivableScalar>(_ value: T) {
        withUnsafeBytes(of: value) { bytes.append(contentsOf: $0) }
    }

    /// The count, then the elements' bytes.
    public mutating func write<T: ArchivableScalar>(array: [T]) {
        write(array.count)
        array.withUnsafeBytes { bytes.append(contentsOf: $0) }
    }

    public mutating func write(_ string: String) {
        write(array: Array(string.utf8))
    }

    public mutating func write(strings: [String]) {
        write(strings.count)
        for string in strings { write(string) }
    }

    public mutating func write<T: ArchivableScalar>(optional value: T?) {
        write(value != nil)
        if let value { write(value) }
    }

    public mutating func write(optional string: String?) {
        write(string != nil)
        if let string { write(string) }
    }

    /// Lists of unequal lengths (each movie's tokens…) as offsets and one flat array.
    public mutating func write<T: ArchivableScalar>(nested: [[T]]) {
        var offsets = [0]
        offsets.reserveCapacity(nested.count + 1)
        for list in nested { offsets.append(offsets.last! + list.count) }
        write(array: offsets)
        write(array: Array(nested.joined()))
    }
}

/// Reads back what a `ModelWriter` wrote, checking every length against the bytes left, so a
/// damaged or truncated model throws instead of crashing the process that loads it.
public struct ModelReader: Sendable {
    private let bytes: [UInt8]
    private var offset = 0

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    public mutating func read<T: ArchivableScalar>(_: T.Type = T.self) throws(ModelArchiveError) -> T {
        let size = MemoryLayout<T>.size
        guard bytes.count - offset >= size else { throw ModelArchiveError("truncated: \(T.self) expected at byte \(offset)") }
        // Any other byte in a Bool's place would be undefined behaviour once loaded.
        if T.self == Bool.self, bytes[offset] > 1 { throw ModelArchiveError("not a Bool at byte \(offset)") }
        let value = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: T.self) }
        offset += size
        return value
    }

    /// How many records follow: never negative, never more than the bytes left could hold.
    public mutating func readCount() throws(ModelArchiveError) -> Int {
        let count = try read(Int.self)
        guard count >= 0, count <= bytes.count - offset else { throw ModelArchiveError("a count of \(count) with \(bytes.count - offset) bytes left") }
        return count
    }

    public mutating func readArray<T: ArchivableScalar>(of _: T.Type = T.self) throws(ModelArchiveError) -> [T] {
        let count = try read(Int.self)
        let stride = MemoryLayout<T>.stride
        guard count >= 0, count <= (bytes.count - offset) / max(stride, 1) else {
            throw ModelArchiveError("an array of \(count) \(T.self) does not fit the \(bytes.count - offset) bytes left")
        }
        let start = offset
        if T.self == Bool.self, bytes[start..<(start + count)].contains(where: { $0 > 1 }) { throw ModelArchiveError("not Bools at byte \(start)") }
        offset += count * stride
        return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            bytes.withUnsafeBytes { source in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: source[start..<(start + count * stride)]))
            }
            initialized = count
        }
    }

    public mutating func readString() throws(ModelArchiveError) -> String {
        let utf8 = try readArray(of: UInt8.self)
        guard let string = String(validating: utf8, as: UTF8.self) else { throw ModelArchiveError("a string is not UTF-8 at byte \(offset)") }
        return string
    }

    public mutating func readStrings() throws(ModelArchiveError) -> [String] {
        let count = try readCount()
        return try (0..<count).map { _ throws(ModelArchiveError) in try readString() }
    }

    public mutating func readOptional<T: ArchivableScalar>(_: T.Type = T.self) throws(ModelArchiveError) -> T? {
        try read(Bool.self) ? try read(T.self) : nil
    }

    public mutating func readOptionalString() throws(ModelArchiveError) -> String? {
        try read(Bool.self) ? try readString() : nil
    }

    public mutating func readNested<T: ArchivableScalar>(of _: T.Type = T.self) throws(ModelArchiveError) -> [[T]] {
        let offsets = try readArray(of: Int.self)
        let flat = try readArray(of: T.self)
        guard offsets.first == 0, offsets.last == flat.count, zip(offsets, offsets.dropFirst()).allSatisfy({ $0 <= $1 }) else {
            throw ModelArchiveError("nested lists' offsets do not match their \(flat.count) elements")
        }
        return zip(offsets, offsets.dropFirst()).map { Array(flat[$0..<$1]) }
    }

    /// Throws unless `condition`: for what a model checks of the values it read (a length
    /// that must equal another's, a position that must be in range).
    public func expect(_ condition: Bool, _ problem: @autoclosure () -> String) throws(ModelArchiveError) {
        guard condition else { throw ModelArchiveError(problem()) }
    }

    /// Throws unless `offsets` lay out `rows` rows over `entries` entries (n + 1 ascending
    /// starts from 0 to `entries`) and every one of `indices` is in 0..<`bound`: what a
    /// sparse layout (rows of positions) must hold before a lookup may trust it.
    public func expectSparse<Index: BinaryInteger>(
        _ what: String, offsets: [Int], rows: Int, entries: Int, indices: [Index], below bound: Int
    ) throws(ModelArchiveError) {
        try expect(offsets.count == rows + 1 && offsets.first == 0 && offsets.last == entries && indices.count == entries,
                   "\(what): offsets do not lay out \(rows) rows of \(entries) entries")
        try expect(zip(offsets, offsets.dropFirst()).allSatisfy { $0 <= $1 }, "\(what): offsets go backwards")
        try expect(indices.allSatisfy { $0 >= 0 && $0 < bound }, "\(what): an index outside 0..<\(bound)")
    }

    /// Throws unless every byte was read: a model that leaves bytes unread misread them.
    public func finish() throws(ModelArchiveError) {
        guard offset == bytes.count else { throw ModelArchiveError("\(bytes.count - offset) bytes left unread") }
    }
}

/// A stored model that cannot be read back: damaged, truncated, or written by another format.
public struct ModelArchiveError: Error, Equatable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}

extension ModelSummary {
    public func write(to writer: inout ModelWriter) {
        writer.write(items)
        writer.write(users)
        writer.write(optional: factors)
        writer.write(detail)
    }

    public init(from reader: inout ModelReader) throws(ModelArchiveError) {
        self.init(items: try reader.read(), users: try reader.read(), factors: try reader.readOptional(), detail: try reader.readString())
    }
}

extension Catalogue {
    /// Every item with every field: a model generation carries the catalogue its models were
    /// fitted on, so a replica answers with exactly what the fit saw.
    public func write(to writer: inout ModelWriter) {
        writer.write(items.count)
        for item in items {
            writer.write(item.id)
            writer.write(optional: item.tmdbID)
            writer.write(optional: item.movieLensID)
            writer.write(item.title)
            writer.write(optional: item.year)
            writer.write(optional: item.releaseDate)
            writer.write(item.overview)
            writer.write(item.tagline)
            writer.write(array: item.genres.map(\.id))
            writer.write(strings: item.genres.map(\.name))
            writer.write(strings: item.keywords)
            writer.write(strings: item.cast)
            writer.write(strings: item.directors)
            writer.write(strings: item.productionCompanies)
            writer.write(optional: item.runtime)
            writer.write(optional: item.voteAverage)
            writer.write(optional: item.voteCount)
            writer.write(optional: item.popularity)
            writer.write(optional: item.posterPath)
            writer.write(optional: item.backdropPath)
            writer.write(item.shownRating != nil)
            if let rating = item.shownRating {
                writer.write(rating.average)
                writer.write(rating.count)
                writer.write(rating.source.rawValue)
            }
        }
    }

    public init(from reader: inout ModelReader) throws(ModelArchiveError) {
        let count = try reader.readCount()
        var items: [CatalogueItem] = []
        items.reserveCapacity(min(count, 1 << 20))
        for _ in 0..<count {
            let id = try reader.read(MovieID.self)
            let tmdbID = try reader.readOptional(Int.self)
            let movieLensID = try reader.readOptional(Int.self)
            let title = try reader.readString()
            let year = try reader.readOptional(Int.self)
            let releaseDate = try reader.readOptionalString()
            let overview = try reader.readString()
            let tagline = try reader.readString()
            let genreIDs = try reader.readArray(of: Int.self)
            let genreNames = try reader.readStrings()
            try reader.expect(genreIDs.count == genreNames.count, "movie \(id): \(genreIDs.count) genre ids, \(genreNames.count) names")
            var item = CatalogueItem(
                id: id, tmdbID: tmdbID, movieLensID: movieLensID, title: title, year: year, releaseDate: releaseDate, overview: overview,
                tagline: tagline, genres: zip(genreIDs, genreNames).map { Genre(id: $0, name: $1) })
            item.keywords = try reader.readStrings()
            item.cast = try reader.readStrings()
            item.directors = try reader.readStrings()
            item.productionCompanies = try reader.readStrings()
            item.runtime = try reader.readOptional()
            item.voteAverage = try reader.readOptional()
            item.voteCount = try reader.readOptional()
            item.popularity = try reader.readOptional()
            item.posterPath = try reader.readOptionalString()
            item.backdropPath = try reader.readOptionalString()
            if try reader.read(Bool.self) {
                let average = try reader.read(Double.self)
                let votes = try reader.read(Int.self)
                let source = try reader.readString()
                guard let source = RatingSource(rawValue: source) else { throw ModelArchiveError("movie \(id): unknown rating source '\(source)'") }
                item.shownRating = AudienceRating(average: average, count: votes, source: source)
            }
            items.append(item)
        }
        self.init(items)
    }
}
