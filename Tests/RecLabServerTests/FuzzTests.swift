import Foundation
import TestSupport
import Testing

/// A short schemathesis run in CI: every operation of the document, a few generated requests
/// each, against the release server that `swift test -c release` shares with the binary.
@Suite struct FuzzTests {
    @Test(.timeLimit(.minutes(4))) func aShortFuzzRunFindsNoServerErrorAndNoAnswerTheDocumentDoesNotAllow() async throws {
        let environment = ProcessInfo.processInfo.environment
        let schemathesis = environment["SCHEMATHESIS"] ?? repositoryFile(".venv/bin/schemathesis")
        try #require(
            FileManager.default.isExecutableFile(atPath: schemathesis),
            "no schemathesis at \(schemathesis): run scripts/setup.sh, which makes .venv with the pinned tools")
        let binary = repositoryFile(".build/release/reclab")
        try #require(
            FileManager.default.isExecutableFile(atPath: binary),
            "no release server at \(binary): build it with `swift build -c release --product reclab`")

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [repositoryFile("scripts/fuzz.sh")]
        // No build from inside `swift test`, which holds the build folder.
        process.environment = environment.merging(["FUZZ_EXAMPLES": "3", "RECLAB_BINARY": binary, "SCHEMATHESIS": schemathesis]) { _, new in new }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        // The run takes tens of seconds: waited for on a thread of its own, never a pool thread.
        let log = try await onOwnThread {
            let log = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return log
        }
        #expect(process.terminationStatus == 0, "scripts/fuzz.sh failed:\n\(log.suffix(6000))")
    }
}
