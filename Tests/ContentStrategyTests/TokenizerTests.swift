import ContentStrategy
import Testing

@Suite struct TokenizerTests {
    let tokenizer = Tokenizer()

    @Test func stopWordsAreDroppedBeforeBigramsAreFormed() {
        #expect(tokenizer.terms(in: "The Lord of the Rings") == ["lord", "rings", "lord rings"])
        #expect(tokenizer.terms(in: "Where the Wild Things Are") == ["wild", "things", "wild things"])
    }

    @Test func caseAndDiacriticsAreFolded() {
        #expect(Tokenizer.words(in: "Amélie's CAFÉ in der Straße") == ["amelie", "s", "cafe", "in", "der", "strasse"])
        #expect(tokenizer.terms(in: "Léon: The Professional") == tokenizer.terms(in: "LEON the professional"))
    }

    @Test func oneCharacterWordsGoAndNumbersStay() {
        #expect(tokenizer.terms(in: "Schindler's List") == ["schindler", "list", "schindler list"])
        #expect(tokenizer.terms(in: "2001: A Space Odyssey") == ["2001", "space", "odyssey", "2001 space", "space odyssey"])
    }

    @Test func ngramRangeChoosesTheLengths() {
        let pairsAndTriples = Tokenizer(ngramRange: 2...3)
        #expect(pairsAndTriples.terms(in: "dark knight rises") == ["dark knight", "knight rises", "dark knight rises"])
        #expect(Tokenizer(ngramRange: 1...1).terms(in: "dark knight rises") == ["dark", "knight", "rises"])
        #expect(pairsAndTriples.terms(in: "Alien") == [])
    }

    @Test func categoryKeysIgnoreCaseSpacingAndAccents() {
        #expect(Tokenizer.key(for: "Penélope  Cruz") == "penelope cruz")
        #expect(Tokenizer.key(for: "penelope cruz") == Tokenizer.key(for: "PENELOPE CRUZ"))
        #expect(Tokenizer.key(for: " — ") == "")
    }

    @Test func stopWordsAreScikitLearnsEnglishListWithContractionStems() {
        for word in ["the", "and", "whereupon", "yourselves", "amongst", "don", "ll", "ve"] {
            #expect(Tokenizer.englishStopWords.contains(word), "\(word)")
        }
        for word in ["dream", "heist", "love", "war", "space"] {
            #expect(!Tokenizer.englishStopWords.contains(word), "\(word)")
        }
    }
}
