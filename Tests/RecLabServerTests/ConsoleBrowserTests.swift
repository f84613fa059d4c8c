import Foundation
import TestSupport
import Testing

/// The console in real headless Chromium: scripts/console-browser.sh starts the release server
/// and scripts/console-browser.py walks every page as a user would (opens a user, rates a movie
/// and sees a column change, opens a movie, searches, opens an evaluation and an experiment
/// report, compares two runs, refits with the admin key and is refused without it), with
/// axe-core checking each page for serious or critical accessibility violations; then, with
/// keys required, the client key's path (asked for, refused when wrong, sent with every call).
@Suite struct ConsoleBrowserTests {
    // The limit only catches a hang: alone the walk takes about 190 s, beside the whole suite on two cores 280–450.
    @Test(.timeLimit(.minutes(10))) func aUserCanDoEverythingTheConsoleOffersInChromiumAndEveryPagePassesAxe() async throws {
        let python = repositoryFile(".venv/bin/python")
        try #require(FileManager.default.isExecutableFile(atPath: python), "no \(python): run scripts/setup.sh, which makes .venv with Playwright")
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium"), "no Debian chromium: run scripts/setup.sh")
        let binary = repositoryFile(".build/release/reclab")
        try #require(FileManager.default.isExecutableFile(atPath: binary), "no release server at \(binary): build it with `swift build -c release --product reclab`")

        let (status, log) = try await runScript("scripts/console-browser.sh", environment: ["RECLAB_BINARY": binary])
        let failed = log.split(separator: "\n").filter { $0.hasPrefix("FAIL") }.joined(separator: "\n")
        #expect(status == 0, "scripts/console-browser.sh failed:\n\(failed)\n\(log.suffix(3000))")
        #expect(log.contains("console: every check holds"))
    }
}
