import Foundation

/// An RFC 4180 CSV reader that remembers on which line each record starts, so that import
/// errors can name the file and line.
///
/// Quoted fields may hold commas, doubled quotes and newlines (TMDB 5000's JSON columns do).
public struct CSVReader: Sequence {
    public let file: String
    private let bytes: [UInt8]

    /// Reads `url` whole: the data sets are a few megabytes, and one pass over bytes is far
    /// faster than line-by-line string handling.
    public init(contentsOf url: URL) throws {
        do {
            self.bytes = Array(try Data(contentsOf: url))
        } catch {
            throw ImportError(file: url.lastPathComponent, line: nil, problem: "cannot be read (\(error.localizedDescription))")
        }
        self.file = url.lastPathComponent
    }

    public init(name: String, text: String) {
        self.file = name
        self.bytes = Array(text.utf8)
    }

    public func makeIterator() -> Iterator { Iterator(file: file, bytes: bytes) }

    /// One CSV record and the 1-based line on which it starts.
    public struct Record: Sendable {
        public let line: Int
        public let fields: [String]
    }

    /// Yields records; a malformed quote ends the iteration with `error` set.
    public struct Iterator: IteratorProtocol {
        let file: String
        let bytes: [UInt8]
        var position = 0
        var line = 1
        public private(set) var error: ImportError?

        init(file: String, bytes: [UInt8]) {
            self.file = file
            self.bytes = bytes
            // A UTF-8 byte-order mark is not part of the first header name.
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
        }

        public mutating func next() -> Record? {
            guard error == nil, position < bytes.count else { return nil }
            let startLine = line
            var fields: [String] = []
            var field: [UInt8] = []
            var inQuotes = false
            var wasQuoted = false
            while position < bytes.count {
                let byte = bytes[position]
                position += 1
                if inQuotes {
                    if byte == UInt8(ascii: "\"") {
                        if position < bytes.count, bytes[position] == UInt8(ascii: "\"") {
                            field.append(byte)
                            position += 1
                        } else {
                            inQuotes = false
                        }
                    } else {
                        if byte == UInt8(ascii: "\n") { line += 1 }
                        field.append(byte)
                    }
                    continue
                }
                switch byte {
                case UInt8(ascii: ","):
                    fields.append(String(decoding: field, as: UTF8.self))
                    field.removeAll(keepingCapacity: true)
                    wasQuoted = false
                case UInt8(ascii: "\n"):
                    line += 1
                    fields.append(String(decoding: field, as: UTF8.self))
                    return Record(line: startLine, fields: fields)
                case UInt8(ascii: "\r"):
                    continue
                case UInt8(ascii: "\""):
                    if field.isEmpty && !wasQuoted {
                        inQuotes = true
                        wasQuoted = true
                    } else {
                        error = ImportError(file: file, line: line, problem: "stray quote inside an unquoted field")
                        return nil
                    }
                default:
                    if wasQuoted {
                        error = ImportError(file: file, line: line, problem: "text after a closing quote")
                        return nil
                    }
                    field.append(byte)
                }
            }
            if inQuotes {
                error = ImportError(file: file, line: startLine, problem: "quoted field never closed")
                return nil
            }
            fields.append(String(decoding: field, as: UTF8.self))
            return Record(line: startLine, fields: fields)
        }
    }
}

/// Reads a CSV file with a header row into named-column rows, checking the header and the
/// number of fields of every row.
public struct CSVTable {
    public let file: String
    public let columns: [String: Int]
    public let rows: [CSVReader.Record]

    public init(_ reader: CSVReader, requiredColumns: [String]) throws {
        var iterator = reader.makeIterator()
        guard let header = iterator.next() else {
            throw iterator.error ?? ImportError(file: reader.file, line: 1, problem: "file is empty; expected a header row")
        }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        var columns: [String: Int] = [:]
        for (index, name) in names.enumerated() where columns[name] == nil { columns[name] = index }
        let missing = requiredColumns.filter { columns[$0] == nil }
        guard missing.isEmpty else {
            throw ImportError(file: reader.file, line: 1, problem: "missing column(s) \(missing.joined(separator: ", "))")
        }
        var rows: [CSVReader.Record] = []
        while let record = iterator.next() {
            if record.fields == [""] { continue }  // blank line
            guard record.fields.count == names.count else {
                throw ImportError(
                    file: reader.file, line: record.line,
                    problem: "expected \(names.count) fields, found \(record.fields.count)")
            }
            rows.append(record)
        }
        if let error = iterator.error { throw error }
        self.file = reader.file
        self.columns = columns
        self.rows = rows
    }

    /// A typed view of one row, whose parse failures name the file, line and column.
    public func row(_ index: Int) -> Row { Row(table: self, record: rows[index]) }

    /// One row of a `CSVTable`, read by column name.
    public struct Row {
        let table: CSVTable
        public let record: CSVReader.Record

        public var line: Int { record.line }

        public func string(_ column: String) -> String {
            let value = record.fields[table.columns[column]!]
            // Trimming only when an end may be white: ASCII space or tab, or any non-ASCII byte
            // (left to trimming to judge). Asking the first and last Characters instead breaks
            // graphemes at every field, the costliest step of reading 10^6 ratings.
            func mayBeWhite(_ byte: UInt8?) -> Bool { byte.map { $0 == 0x20 || $0 == 0x09 || $0 >= 0x80 } ?? false }
            guard mayBeWhite(value.utf8.first) || mayBeWhite(value.utf8.last) else { return value }
            return value.trimmingCharacters(in: .whitespaces)
        }

        public func optionalString(_ column: String) -> String? {
            let value = string(column)
            return value.isEmpty ? nil : value
        }

        public func int(_ column: String) throws -> Int {
            guard let value = try optionalInt(column) else { throw failure(column, "is empty; expected an integer") }
            return value
        }

        public func optionalInt(_ column: String) throws -> Int? {
            let text = string(column)
            if text.isEmpty { return nil }
            if let value = Int(text) { return value }
            // Some exports write integers as floats ("7.0").
            if let value = Double(text), value.rounded() == value, abs(value) < 1e18 { return Int(value) }
            throw failure(column, "'\(text)' is not an integer")
        }

        public func double(_ column: String) throws -> Double {
            guard let value = try optionalDouble(column) else { throw failure(column, "is empty; expected a number") }
            return value
        }

        public func optionalDouble(_ column: String) throws -> Double? {
            let text = string(column)
            if text.isEmpty { return nil }
            guard let value = Double(text), value.isFinite else { throw failure(column, "'\(text)' is not a number") }
            return value
        }

        public func failure(_ column: String, _ problem: String) -> ImportError {
            ImportError(file: table.file, line: line, problem: "column \(column): \(problem)")
        }
    }
}

/// Why an import was refused: the file, the line when known, and the problem.
public struct ImportError: Error, CustomStringConvertible, Equatable, Sendable {
    public let file: String
    public let line: Int?
    public let problem: String

    public init(file: String, line: Int?, problem: String) {
        self.file = file
        self.line = line
        self.problem = problem
    }

    public var description: String {
        if let line { return "\(file):\(line): \(problem)" }
        return "\(file): \(problem)"
    }
}
