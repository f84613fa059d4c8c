import Foundation
import RecLabCore
import RecLabEvaluation
import RecLabStatistics
import Testing

@Suite struct ReportRenderingTests {
    @Test func markdownHeaderHoldsTheRunAndSplitFacts() {
        let markdown = MarkdownReport.render(ReportFixtures.sample)
        for fact in [
            "# Evaluation: Baselines vs personalized, ml-latest-small", "- **Run id:** `2025-11-25T10-00-00Z-3f9c`", "- **Protocol:** v1",
            "- **Created:** 2025-11-25 10:00:00 UTC", "- **Data file:** `../shared/datasets/ml-latest-small/ratings.csv`",
            "- **SHA-256:** `\(ReportFixtures.data.sha256)`", "100,836 ratings by 610 users.",
            "| train / test | 80,672 | 20,164 | 8,239 | 574 |", "| fit / validation (within train) | 64,549 | 16,123 | 7,151 | 590 |",
        ] {
            #expect(markdown.contains(fact), "missing \(fact)")
        }
    }

    @Test func markdownTableHoldsEveryMetricToFourDecimalsWithTheBestInBold() throws {
        let markdown = MarkdownReport.render(ReportFixtures.sample)
        let lines = markdown.split(separator: "\n").map(String.init)
        #expect(lines.contains(
            "| Strategy | ndcg@10 | recall@10 | precision@10 | hit_rate@10 | mrr@10 | map@10 | coverage@10 | rmse | mae | fit s | recommend s |"))
        #expect(lines.contains(
            "| ease | **0.1876** | **0.1203** | **0.1290** | **0.5966** | **0.3412** | **0.0998** | 0.2148 | **0.8712** | **0.6690** | 9.8765 | 1.0203 |"))
        #expect(lines.contains("| content | 0.0735 | 0.0502 | 0.0489 | 0.3100 | 0.1580 | 0.0312 | **0.4033** | — | — | 1.2044 | 3.1002 |"))
        for result in ReportFixtures.sample.strategies {
            let row = try #require(lines.first { $0.hasPrefix("| \(result.name) |") })
            let m = result.metrics
            for value in [m.ndcg, m.recall, m.precision, m.hitRate, m.mrr, m.map, m.coverage, result.fitSeconds, result.recommendSeconds] {
                #expect(row.contains(String(format: "%.4f", value)), "\(result.name) lacks \(value): \(row)")
            }
        }
    }

    @Test func markdownShowsEachGridWithTheChosenPointMarked() throws {
        let markdown = MarkdownReport.render(ReportFixtures.sample)
        let lines = markdown.split(separator: "\n").map(String.init)
        #expect(lines.contains("| als | personalized | factors=64, iterations=15, model=als, regularization=0.05 | best of 4 on validation |"))
        #expect(lines.contains("| popularity | popularity | defaults | fixed in the config |"))
        let ease = try #require(lines.firstIndex(of: "### ease: best of 4 on validation"))
        #expect(Array(lines[(ease + 1)...(ease + 6)]) == [
            "Every point: `model=ease`",
            "| lambda | validation ndcg@10 | fit s |  |", "|---|--:|--:|---|",
            "| 100 | 0.1502 | 2.3456 |  |", "| 250 | 0.1688 | 2.3456 |  |", "| 500 | **0.1734** | 2.3456 | ◀ chosen |",
        ])
        let als = try #require(lines.firstIndex(of: "### als: best of 4 on validation"))
        #expect(lines[als + 1] == "Every point: `iterations=15`")
        #expect(lines[als + 2] == "| factors | regularization | validation ndcg@10 | fit s |  |")
        #expect(lines[(als + 4)...(als + 7)].filter { $0.hasSuffix("◀ chosen |") } == ["| 64 | 0.05 | **0.1398** | 6.4000 | ◀ chosen |"])
        #expect(!markdown.contains("### popularity"), "a strategy without a grid has no grid section")
    }

    @Test func markdownEscapesUserProvidedText() {
        let markdown = MarkdownReport.render(ReportFixtures.sample(renamingFirstTo: #"<b>&"x"|*"#))
        #expect(markdown.contains(#"| &lt;b&gt;&amp;"x"\|\* |"#))
        #expect(!markdown.contains("<b>"))
    }

    @Test func aReportWithIntervalsNamesNoWinnerWhileAStrategyIsTiedWithTheBest() throws {
        let markdown = MarkdownReport.render(ReportFixtures.sampleWithIntervals)
        #expect(markdown.contains("**No winner on ndcg@10: ease scores highest, 0.1876 (95% interval 0.1776 to 0.1976), but als (−0.0443, 95% interval −0.0743 to +0.0021, p = 0.083) is statistically tied with it"))
        #expect(markdown.contains("## Compared with the best"))
        #expect(markdown.contains("| als | 0.1433 | 0.1333 – 0.1533 | −0.0443 | −0.0743 – +0.0021 | 0.083 | **tied with the best** |"))
        #expect(markdown.contains("| popularity | 0.1012 | 0.0912 – 0.1112 | −0.0864 | −0.1064 – −0.0664 | ≤ 0.002 | below the best |"))
        #expect(markdown.contains("| ease | 0.1876 | 0.1776 – 0.1976 | — | — | — | **best** |"))
        #expect(markdown.contains("### 95% intervals of every metric"))
        // Each grid point's interval, beside its score.
        #expect(markdown.contains("| 500 | **0.1734** | 0.1684 – 0.1784 |"))

        var decided = ReportFixtures.sampleWithIntervals
        decided.strategies[4].versusBest = PairedDifference(difference: -0.0443, low: -0.0743, high: -0.0143, pValue: 0.004)
        decided.winner = "ease"
        #expect(MarkdownReport.render(decided).contains("**Winner on ndcg@10: ease 0.1876 (95% interval 0.1776 to 0.1976), better than every other strategy beyond the 95% interval of the difference; the next best is als (−0.0443, 95% interval −0.0743 to −0.0143, p = 0.004).**"))

        let html = HTMLReport.render(ReportFixtures.sampleWithIntervals)
        #expect(html.contains("No winner on ndcg@10: ease scores highest"))
        #expect(html.contains("Compared with the best"))
        // Whiskers: the bar's title names its interval, and a line spans it.
        #expect(html.contains("<title>als: ndcg@10 0.1433 [0.1333, 0.1533]</title>"))
        #expect(html.contains("<title>lambda=500: validation ndcg@10 0.1734 [0.1684, 0.1784], fit 2.3456 s</title>"))
    }

    @Test func aReportFromBeforeIntervalsKeepsItsOldHeadlineAndNoComparison() {
        let markdown = MarkdownReport.render(ReportFixtures.sample)
        #expect(markdown.contains("**Best ndcg@10 on test: ease 0.1876, 0.0443 ahead of als.**"))
        #expect(!markdown.contains("Compared with the best"))
        #expect(!HTMLReport.render(ReportFixtures.sample).contains("Compared with the best"))
    }

    @Test func htmlIsOneSelfContainedPage() {
        let html = HTMLReport.render(ReportFixtures.sample)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        for external in ["http://", "https://", "<script", "<link", "<img", "<iframe", "@import", "@font-face", "src="] {
            #expect(!html.contains(external), "the page must not load \(external)")
        }
        // Patterns are the only url() and they point inside the page.
        #expect(html.ranges(of: "url(").count == html.ranges(of: "url(#").count)
    }

    @Test func htmlDrawsTheFiveCharts() {
        let html = HTMLReport.render(ReportFixtures.sample)
        #expect(html.ranges(of: "<svg").count == 5)
        for chart in ["ranking", "curves", "coverage", "users", "grids"] {
            #expect(html.contains("<section class=\"card chart-\(chart)\">"), "no \(chart) chart")
        }
        for result in ReportFixtures.sample.strategies {
            #expect(html.contains("<title>\(result.name): ndcg@10 \(String(format: "%.4f", result.metrics.ndcg))</title>"))
        }
        #expect(html.contains("<title>lambda=500: validation ndcg@10 0.1734, fit 2.3456 s</title>"))
        #expect(html.contains("351 of 574 users got 0 (61.1%)"))
    }

    @Test func htmlWithoutGridsLeavesOutTheGridChart() {
        let html = HTMLReport.render(ReportFixtures.allZero)
        #expect(html.ranges(of: "<svg").count == 4)
        #expect(!html.contains("chart-grids"))
    }

    @Test func htmlEscapesUserProvidedText() {
        var report = ReportFixtures.sample(renamingFirstTo: #"<b>&"x""#)
        report.strategies[1].parameters = .object(["note": .string("</td><script>alert('x')</script>")])
        report.name = "<i>run</i>"
        let html = HTMLReport.render(report)
        #expect(!html.contains(#"<b>&"x""#))
        #expect(!html.contains("<b>"))
        #expect(!html.contains("<i>"))
        #expect(!html.contains("<script"))
        #expect(html.contains("&lt;b&gt;&amp;&quot;x&quot;"))
        #expect(html.contains("note=&lt;/td&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"))
    }

    @Test(arguments: ["sample", "sampleWithIntervals", "allZero", "ten", "degenerate"])
    func htmlHasOnlyFiniteNumbers(_ fixture: String) throws {
        let report = try #require(ReportFixtures.byName[fixture])
        let html = HTMLReport.render(report)
        #expect(html.firstMatch(of: /(?i)\b(nan|inf|infinity)\b/) == nil)
        let attributes = html.matches(of: /\s(x|y|x1|y1|x2|y2|cx|cy|r|rx|width|height)="([^"]*)"/)
        #expect(attributes.count > 50)
        for attribute in attributes {
            #expect(Double(attribute.output.2).map(\.isFinite) == true, "\(attribute.output.1)=\"\(attribute.output.2)\"")
        }
        for points in html.matches(of: /points="([^"]*)"/) {
            let numbers = points.output.1.split(whereSeparator: { $0 == " " || $0 == "," })
            #expect(numbers.allSatisfy { Double($0)?.isFinite == true }, "points=\"\(points.output.1)\"")
        }
        #expect(MarkdownReport.render(report).firstMatch(of: /(?i)\b(nan|inf|infinity)\b/) == nil)
    }

    /// Renders the page in Debian's headless Chromium and decodes the screenshot: the page
    /// is not blank and every strategy's colour fills pixels down several charts.
    @Test func chromiumScreenshotShowsTheCharts() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("reclab-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let page = folder.appendingPathComponent("report.html")
        try HTMLReport.render(ReportFixtures.sample).write(to: page, atomically: true, encoding: .utf8)
        let colours = ReportFixtures.sample.strategies.indices.map { ReportPalette.colour(forStrategyAt: $0) }

        let script = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/render-html.sh")
        let output = folder.appendingPathComponent("stdout"), errors = folder.appendingPathComponent("stderr")
        try Data().write(to: output)
        try Data().write(to: errors)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script.path, page.path, folder.appendingPathComponent("report.png").path] + colours
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        process.waitUntilExit()
        let complaint = try String(contentsOf: errors, encoding: .utf8)
        try #require(process.terminationStatus != 3, "No Chromium to render with: \(complaint)")
        try #require(process.terminationStatus == 0, "scripts/render-html.sh failed with status \(process.terminationStatus): \(complaint)")

        let picture = try JSONDecoder().decode(Screenshot.self, from: Data(contentsOf: output))
        #expect(picture.width == 1280 && picture.height == 2400)
        #expect(picture.inkShare > 0.05, "the page looks blank")
        #expect(picture.inkShare < 0.6, "the page looks mostly dark")
        #expect(picture.distinctColours > 200, "too few colours for text, charts and anti-aliasing")
        for colour in colours {
            let seen = try #require(picture.colours[colour.lowercased()])
            #expect(seen.pixels > 800, "\(colour) fills only \(seen.pixels) pixels")
            // Bars at the top, lines and histograms further down: one colour, several charts.
            #expect((seen.bottom ?? 0) - (seen.top ?? 0) > 700, "\(colour) appears only in rows \(seen.top ?? -1)…\(seen.bottom ?? -1)")
        }
    }

    struct Screenshot: Decodable {
        struct Colour: Decodable {
            var pixels: Int
            var top: Int?
            var bottom: Int?
        }

        var width: Int
        var height: Int
        var inkShare: Double
        var distinctColours: Int
        var colours: [String: Colour]
    }
}
