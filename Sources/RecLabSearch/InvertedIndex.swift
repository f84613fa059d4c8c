import Foundation

/// The ids of the terms a query word stands for: one term, or every term with a prefix.
struct TermRange: Hashable, Sendable {
    let lower: Int32
    let upper: Int32

    init(_ range: Range<Int>) {
        lower = Int32(range.lowerBound)
        upper = Int32(range.upperBound)
    }

    var range: Range<Int> { Int(lower)..<Int(upper) }
}

/// The documents holding a term range, ordered by their BM25 contribution, best first.
struct ImpactList: Sendable {
    let range: TermRange
    let documents: [UInt32]
    let impacts: [Float]
    let members: DocumentSet
    /// FTS5's inverse document frequency of the range.
    let idf: Double

    var count: Int { documents.count }
}

/// Postings (term → documents) and a forward index (document → terms) with BM25's
/// per-document figures: what both building impact lists and scoring one document need.
struct InvertedIndex: Sendable {
    static let k1 = 1.2
    static let b = 0.75

    /// Postings in term order: term t's are `postingStarts[t]..<postingStarts[t + 1]`.
    let postingStarts: [Int]
    let postingDocuments: [UInt32]
    let postingFrequencies: [Float]
    /// Each document's term ids, ascending, with their field-weighted frequencies.
    let forwardStarts: [Int]
    let forwardTerms: [UInt32]
    let forwardFrequencies: [Float]
    /// Multiplies a document's score by how widely it is known.
    let boosts: [Double]
    /// BM25's length normalisation, `k1 · (1 − b + b · |D| / avgdl)`, per document.
    let lengthNorms: [Double]

    var documentCount: Int { boosts.count }

    func postingCount(_ range: Range<Int>) -> Int { postingStarts[range.upperBound] - postingStarts[range.lowerBound] }

    /// A document's contribution for a phrase of weighted frequency `frequency`, before the
    /// phrase's idf. Rounded to Float in one place, so a list's ordering and a document's
    /// score agree exactly and the threshold algorithm's bound is never wrong.
    func impact(_ frequency: Float, document: Int) -> Float {
        guard frequency > 0 else { return 0 }
        let f = Double(frequency)
        return Float(boosts[document] * f * (Self.k1 + 1) / (f + lengthNorms[document]))
    }

    /// The weighted frequency of the range's terms in one document, from the forward index.
    func frequency(of range: TermRange, in document: Int) -> Float {
        var low = forwardStarts[document]
        var high = forwardStarts[document + 1]
        let end = high
        while low < high {
            let middle = (low + high) / 2
            if forwardTerms[middle] < UInt32(range.lower) { low = middle + 1 } else { high = middle }
        }
        var total: Float = 0
        var position = low
        while position < end, forwardTerms[position] < UInt32(range.upper) {
            total += forwardFrequencies[position]
            position += 1
        }
        return total
    }

    /// FTS5's idf: `ln((N − n + 0.5) / (n + 0.5))`, floored at 1e-6 for very common terms.
    func idf(hits: Int) -> Double {
        let value = log((Double(documentCount - hits) + 0.5) / (Double(hits) + 0.5))
        return value > 0 ? value : 1e-6
    }

    /// Every document holding a term of the range, best contribution first.
    func impactList(_ range: TermRange) -> ImpactList {
        var frequencies = [Float](repeating: 0, count: documentCount)
        var touched: [UInt32] = []
        var members = DocumentSet(capacity: documentCount)
        // Terms in ascending order, as `frequency(of:in:)` sums them: the same Float sums.
        for term in range.range {
            for position in postingStarts[term]..<postingStarts[term + 1] {
                let document = postingDocuments[position]
                if frequencies[Int(document)] == 0 {
                    touched.append(document)
                    members.insert(document)
                }
                frequencies[Int(document)] += postingFrequencies[position]
            }
        }
        let scored = touched.map { (document: $0, impact: impact(frequencies[Int($0)], document: Int($0))) }
            .sorted { $0.impact != $1.impact ? $0.impact > $1.impact : $0.document < $1.document }
        return ImpactList(
            range: range, documents: scored.map(\.document), impacts: scored.map(\.impact), members: members, idf: idf(hits: touched.count))
    }
}
