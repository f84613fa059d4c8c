import RecLabCore
import Testing

@Suite struct SearchTextTests {
    /// ASCII text takes a byte path; a trailing non-ASCII word sends the same text through
    /// Foundation's folding, which must cut the ASCII part identically.
    @Test(arguments: ["The Dark Knight", "Sci-Fi", "don't STOP me now!!", "  2001: A Space Odyssey ", "a_b.c/d", "WALL·E", ""])
    func asciiWordsMatchTheFoldingPath(text: String) {
        let folded = SearchText.words(of: text + " é")
        #expect(SearchText.words(of: text) == Array(folded.dropLast()))
    }

    @Test func accentsAndCaseAreFolded() {
        #expect(SearchText.words(of: "Amélie, ÉTÉ") == ["amelie", "ete"])
        #expect(SearchText.titleKey("The Dark Knight") == SearchText.titleKey("dark knight"))
    }
}
