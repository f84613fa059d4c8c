import Foundation
import TestSupport
import Testing

/// A short schemathesis run in CI: every operation of the document, a few generated requests
/// each, against the release server that `swift test -c release` shares with the binary.
@Suite struct FuzzTests {
    // The limit only catches a hang: alone the run takes about 100 s, beside the whole suite on two cores 300.
    @Test(.timeLimit(.minutes(6))) func aShortFuzzRunFindsNoServerErrorAndNoAnswerTheDocumentDoesNotAllow() async throws {
        let schemathesis = ProcessInfo.processInfo.environment["SCHEMATHESIS"] ?? repositoryFile(".venv/bin/schemathesis")
        try #require(
            FileManager.default.isExecutableFile(atPath: schemathesis),
            "no schemathesis at \(schemathesis): run scripts/setup.sh, which makes .venv with the pinned tools")
        let binary = repositoryFile(".build/release/reclab")
        try #require(
            FileManager.default.isExecutableFile(atPath: binary),
            "no release server at \(binary): build it with `swift build -c release --product reclab`")

        let (status, log) = try await runScript(
            "scripts/fuzz.sh", environment: ["FUZZ_EXAMPLES": "3", "RECLAB_BINARY": binary, "SCHEMATHESIS": schemathesis])
        #expect(status == 0, "scripts/fuzz.sh failed:\n\(log.suffix(6000))")
    }
}
