/// Why a LAPACK-backed operation could not produce a result for otherwise well-formed input.
public enum LinearAlgebraError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Cholesky factorisation failed because the leading minor of order `minor` (1-based) is not
    /// positive definite — the matrix is indefinite, singular, or contains NaN.
    case notPositiveDefinite(minor: Int)

    public var description: String {
        switch self {
        case .notPositiveDefinite(let minor):
            "matrix is not symmetric positive definite: Cholesky failed at leading minor of order \(minor)"
        }
    }
}
