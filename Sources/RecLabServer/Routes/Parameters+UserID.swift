import Foundation
import Hummingbird
import RecLabServing

extension Parameters {
    /// A user id path parameter: 1–64 letters, digits, `_`, `-`, `.` or `@`.
    func userID() throws -> String {
        let text = get("user_id") ?? ""
        guard isValidUserID(text) else { throw APIError.badRequest("user_id must be \(userIDRule), got '\(text)'") }
        return text
    }
}

/// What a user id may be, in the path and in events alike (so every user's data can be
/// addressed, and deleted, by its id): 1–64 bytes of ASCII letters, digits, `_-.@`.
func isValidUserID(_ text: String) -> Bool {
    (1...64).contains(text.utf8.count) && text.utf8.allSatisfy { byte in
        (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || "_-.@".utf8.contains(byte)
    }
}

/// `isValidUserID` in words, for error messages.
let userIDRule = "1–64 ASCII letters, digits, '_', '-', '.' or '@'"
