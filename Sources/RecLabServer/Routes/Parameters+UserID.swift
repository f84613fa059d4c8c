import Foundation
import Hummingbird

extension Parameters {
    /// A user id path parameter: 1–64 letters, digits, `_`, `-`, `.` or `@`.
    func userID() throws -> String {
        let text = get("user_id") ?? ""
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "_-.@"))
        guard (1...64).contains(text.count), text.unicodeScalars.allSatisfy(allowed.contains) else {
            throw APIError.badRequest("user_id must be 1–64 letters, digits, '_', '-', '.' or '@', got '\(text)'")
        }
        return text
    }
}
