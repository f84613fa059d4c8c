import Foundation
import RecLabCore
import Testing

@Suite struct RandomUUIDTests {
    /// What names an answer must be: a well-formed version-4 UUID, a new one every time.
    @Test func randomUUIDsAreVersionFourWithTheRFCVariantAndDistinct() {
        let ids = (0..<1000).map { _ in UUID.random() }
        #expect(Set(ids).count == ids.count)
        for id in ids {
            let text = id.uuidString
            #expect(Array(text)[14] == "4", "\(text): version")
            #expect("89AB".contains(Array(text)[19]), "\(text): variant")
            #expect(UUID(uuidString: text) == id)
        }
    }
}
