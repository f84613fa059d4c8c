import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TestSupport
import Testing

/// Background work (refits, evaluations) yields the cores to requests once the server serves.
@Suite struct BackgroundPriorityTests {
    /// Each of the process's threads by name, with its nice value, as Linux shows them.
    static func threads(of pid: Int32) -> [(name: String, nice: Int)] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.compactMap { task in
            guard let name = try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/comm", encoding: .utf8),
                  let stat = try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/stat", encoding: .utf8),
                  let end = stat.lastIndex(of: ")")
            else { return nil }
            // After the name in parentheses: state is field 3, nice field 19.
            let fields = stat[stat.index(after: end)...].split(separator: " ")
            guard fields.count > 16, let nice = Int(fields[16]) else { return nil }
            return (name.trimmingCharacters(in: .whitespacesAndNewlines), nice)
        }
    }

    @Test func theFirstFitRunsAtFullPriorityAndRefitsAfterItAtBackgroundNiceWhileRequestThreadsKeepTheirs() async throws {
        let folder = try makeTemporaryDirectory("reclab-background-nice")
        defer { try? FileManager.default.removeItem(at: folder) }
        let server = try ServerProcess(
            database: try await TemplateDatabase.copy(into: folder), environment: ["BACKGROUND_NICE": "7", "ADMIN_API_KEY": "nice-admin"], folder: folder)
        try await server.waitUntilReady()
        let pid = server.process.processIdentifier
        let fitThread = { Self.threads(of: pid).first { $0.name == "reclab.fit" } }
        #expect(fitThread()?.nice == 0, "the models the first answers need were fitted at full priority: \(Self.threads(of: pid))")

        var refit = URLRequest(url: URL(string: "\(server.base)/admin/refit")!)
        refit.httpMethod = "POST"
        refit.setValue("nice-admin", forHTTPHeaderField: "X-API-Key")
        let (_, answer) = try await URLSession.shared.data(for: refit)
        #expect((answer as? HTTPURLResponse)?.statusCode == 202)
        for _ in 0..<600 where fitThread()?.nice != 7 { try await Task.sleep(for: .milliseconds(100)) }
        #expect(fitThread()?.nice == 7, "\(Self.threads(of: pid))")
        let eventLoops = Self.threads(of: pid).filter { $0.name.hasPrefix("NIO-") }
        #expect(!eventLoops.isEmpty && eventLoops.allSatisfy { $0.nice == 0 }, "\(eventLoops)")
        #expect(await server.send("GET", "/users/1/recommendations/personalized?limit=5")?.status == 200)
    }
}
