import Foundation

/// How catalogue text is cut into comparable words, shared by search and by the importers'
/// title matching: lower-cased, accents removed, split at anything that is neither a letter
/// nor a digit (as SQLite's unicode61 tokenizer cuts it).
public enum SearchText {
    public static func words(of text: String) -> [String] {
        let folded = text.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil).lowercased()
        return folded.split { !($0.isLetter || $0.isNumber) }.map(String.init)
    }

    /// A title reduced for comparison: case, accents, punctuation and a leading English
    /// article removed, so "The Dark Knight", "Dark Knight, The" and "dark knight" agree.
    public static func titleKey(_ title: String) -> String {
        var words = words(of: title)
        if words.count > 1, ["the", "a", "an"].contains(words[0]) { words.removeFirst() }
        return words.joined(separator: " ")
    }
}
