import Foundation
import RecLabStore
import Testing

@Suite struct CSVReaderTests {
    @Test func quotedFieldsKeepCommasQuotesAndNewlines() throws {
        let reader = CSVReader(name: "t.csv", text: "a,b\n\"x, y\",\"say \"\"hi\"\"\nthere\"\n3,4\n")
        let records = Array(reader)
        #expect(records.map(\.fields) == [["a", "b"], ["x, y", "say \"hi\"\nthere"], ["3", "4"]])
    }

    @Test func recordsRememberTheLineTheyStartOn() throws {
        let reader = CSVReader(name: "t.csv", text: "a,b\n\"multi\nline\",1\r\nz,2")
        #expect(Array(reader).map(\.line) == [1, 2, 4])
    }

    @Test func unclosedQuoteIsRefusedWithItsLine() throws {
        let reader = CSVReader(name: "bad.csv", text: "a,b\n1,2\n\"open,3\n4,5\n")
        #expect(throws: ImportError(file: "bad.csv", line: 3, problem: "quoted field never closed")) {
            _ = try CSVTable(reader, requiredColumns: ["a"])
        }
    }

    @Test func rowWithTheWrongNumberOfFieldsNamesFileAndLine() throws {
        let reader = CSVReader(name: "movies.csv", text: "movieId,title,genres\n1,Toy Story (1995),Animation\n2,Jumanji (1995)\n")
        #expect(throws: ImportError(file: "movies.csv", line: 3, problem: "expected 3 fields, found 2")) {
            _ = try CSVTable(reader, requiredColumns: ["movieId"])
        }
    }

    @Test func missingColumnIsRefused() throws {
        let reader = CSVReader(name: "links.csv", text: "movieId,imdbId\n1,0114709\n")
        #expect(throws: ImportError(file: "links.csv", line: 1, problem: "missing column(s) tmdbId")) {
            _ = try CSVTable(reader, requiredColumns: ["movieId", "imdbId", "tmdbId"])
        }
    }

    @Test func typedReadsExplainBadValues() throws {
        let table = try CSVTable(CSVReader(name: "r.csv", text: "n,x\nabc,2.5\n"), requiredColumns: ["n", "x"])
        #expect(throws: ImportError(file: "r.csv", line: 2, problem: "column n: 'abc' is not an integer")) {
            _ = try table.row(0).int("n")
        }
        #expect(try table.row(0).double("x") == 2.5)
    }
}
