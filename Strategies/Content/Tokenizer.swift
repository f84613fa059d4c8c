import Foundation

/// Turns text into the terms TF-IDF counts, as scikit-learn's `TfidfVectorizer` does with
/// `stop_words="english"`: lower-cased and diacritic-folded words of two or more letters or
/// digits, English stop words dropped, then n-grams of the consecutive words that remain.
///
/// N-grams are formed after stop words are removed, so "The Lord of the Rings" yields
/// "lord", "rings" and "lord rings". Apostrophes split words ("Schindler's" gives
/// "schindler"; the lone "s" is too short to keep).
public struct Tokenizer: Sendable, Equatable {
    /// Which n-gram lengths `terms(in:)` produces, e.g. `1...2` for words and word pairs.
    public let ngramRange: ClosedRange<Int>

    public init(ngramRange: ClosedRange<Int> = 1...2) {
        precondition(ngramRange.lowerBound >= 1, "Tokenizer: n-grams start at length 1, got \(ngramRange)")
        self.ngramRange = ngramRange
    }

    /// The text's terms: every n-gram of each length in `ngramRange`, shorter ones first.
    public func terms(in text: String) -> [String] {
        let words = Self.words(in: text).filter { $0.count >= 2 && !Self.englishStopWords.contains($0) }
        var terms: [String] = []
        for length in ngramRange where length <= words.count {
            if length == 1 {
                terms.append(contentsOf: words)
                continue
            }
            for start in 0...(words.count - length) {
                terms.append(words[start..<(start + length)].joined(separator: " "))
            }
        }
        return terms
    }

    /// The words of `text`, lower-cased and without diacritics ("Amélie" → "amelie",
    /// "Straße" → "strasse"), split at anything that is neither a letter nor a digit.
    public static func words(in text: String) -> [String] {
        let folded = text.folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil)
        var words: [String] = []
        var current = String.UnicodeScalarView()
        for scalar in folded.unicodeScalars {
            if isWordScalar(scalar) {
                current.append(scalar)
            } else if !current.isEmpty {
                words.append(String(current))
                current.removeAll(keepingCapacity: true)
            }
        }
        if !current.isEmpty { words.append(String(current)) }
        return words
    }

    /// A categorical value's identity, so that "Penélope Cruz", "penelope cruz" and
    /// "Penelope  Cruz" count as one person; empty when the value has no letters or digits.
    public static func key(for value: String) -> String {
        words(in: value).joined(separator: " ")
    }

    private static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        // Folding has already lower-cased, so ASCII letters are a–z.
        if scalar.isASCII {
            let value = scalar.value
            return (0x61...0x7A).contains(value) || (0x30...0x39).contains(value)
        }
        return scalar.properties.isAlphabetic || scalar.properties.numericType != nil
    }

    /// scikit-learn's English stop words (the Glasgow Information Retrieval Group list), less
    /// its three entries the word splitter can never produce ("couldn't", "hasn't", "no one"),
    /// plus what that splitter leaves of English contractions ("don", "isn", "ll", "ve"…).
    public static let englishStopWords: Set<String> = Set(
        """
        a about above across after afterwards again against all almost alone along already also although always am
        among amongst amount an and another any anyhow anyone anything anyway anywhere are around as at back be
        became because become becomes becoming been before beforehand behind being below beside besides between
        beyond bill both bottom but by call can cannot cant co con could cry de describe detail do done down due
        during each eg eight either eleven else elsewhere empty enough etc even ever every everyone everything
        everywhere except few fifteen fifty fill find fire first five for former formerly forty found four from front
        full further get give go had has have he hence her here hereafter hereby herein hereupon hers herself him
        himself his how however hundred i ie if in inc indeed interest into is it its itself keep last latter
        latterly least less ltd made many may me meanwhile might mill mine more moreover most mostly move much must
        my myself name namely neither never nevertheless next nine no nobody none nor not nothing now nowhere of off
        often on once one only onto or other others otherwise our ours ourselves out over own part per perhaps
        please put rather re same see seem seemed seeming seems serious several she should show side since sincere
        six sixty so some somehow someone something sometime sometimes somewhere still such system take ten than
        that the their them themselves then thence there thereafter thereby therefore therein thereupon these they
        thick thin third this those though three through throughout thru thus to together too top toward towards
        twelve twenty two un under until up upon us very via was we well were what whatever when whence whenever
        where whereafter whereas whereby wherein whereupon wherever whether which while whither who whoever whole
        whom whose why will with within without would yet you your yours yourself yourselves
        aren couldn didn doesn don hadn hasn haven isn ll mustn needn shan shouldn ve wasn weren won wouldn
        """.split(whereSeparator: \.isWhitespace).map(String.init)
    )
}
