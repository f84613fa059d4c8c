import Foundation

/// How catalogue text is cut into comparable words, shared by search and by the importers'
/// title matching: lower-cased, accents removed, split at anything that is neither a letter
/// nor a digit (as SQLite's unicode61 tokenizer cuts it).
public enum SearchText {
    public static func words(of text: String) -> [String] {
        // ASCII (most titles, names and queries) needs no folding beyond lower case, which
        // bytes do at a fraction of Foundation's cost; the result is the same.
        if text.utf8.allSatisfy({ $0 < 0x80 }) { return asciiWords(of: text) }
        let folded = text.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil).lowercased()
        return folded.split { !($0.isLetter || $0.isNumber) }.map(String.init)
    }

    private static func asciiWords(of text: String) -> [String] {
        var words: [String] = []
        var word: [UInt8] = []
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): word.append(byte)
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): word.append(byte + 32)
            default:
                if !word.isEmpty {
                    words.append(String(decoding: word, as: UTF8.self))
                    word.removeAll(keepingCapacity: true)
                }
            }
        }
        if !word.isEmpty { words.append(String(decoding: word, as: UTF8.self)) }
        return words
    }

    /// A title reduced for comparison: case, accents, punctuation and a leading English
    /// article removed, so "The Dark Knight", "Dark Knight, The" and "dark knight" agree.
    public static func titleKey(_ title: String) -> String {
        titleKey(words: words(of: title))
    }

    /// The title key of text already cut into `words`.
    public static func titleKey(words: [String]) -> String {
        let kept = words.count > 1 && ["the", "a", "an"].contains(words[0]) ? words.dropFirst() : words[...]
        return kept.joined(separator: " ")
    }
}
