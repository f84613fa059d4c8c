import CoreMetrics
import Foundation
import Logging
import Prometheus
import RecLabObservability
import Synchronization
import Testing

@Suite struct MetricCatalogueTests {
    @Test func namesFollowPrometheusConventions() {
        for family in Metric.all {
            #expect(family.name.hasPrefix("reclab_"))
            #expect(family.name.hasSuffix("_total") == (family.kind == .counter), "\(family.name)")
            #expect(!family.help.isEmpty)
            #expect(family.name.range(of: "^[a-z_][a-z0-9_]*$", options: .regularExpression) != nil)
            #expect(!family.labels.contains { ["user", "user_id", "path", "movie", "request_id"].contains($0) }, "unbounded label on \(family.name)")
            #expect(!family.labels.contains { ["instance", "job"].contains($0) }, "\(family.name): Prometheus sets that label on scrape")
            if family.kind == .histogram { #expect(family.buckets == family.buckets.sorted() && !family.buckets.isEmpty) }
        }
        #expect(Set(Metric.all.map(\.name)).count == Metric.all.count)
        #expect(Metric.httpRequestDuration.buckets.first == 0.0001 && Metric.httpRequestDuration.buckets.last == 5)
    }

    @Test func theFactoryWritesHelpUnitsAndTheCataloguesBuckets() {
        let registry = PrometheusCollectorRegistry()
        let factory = CatalogueMetricsFactory(registry: registry)
        factory.makeCounter(label: Metric.httpRequests.name, dimensions: [("status", "200"), ("route", "/health"), ("method", "GET")]).increment(by: 2)
        factory.makeTimer(label: Metric.recommendDuration.name, dimensions: [("strategy", "personalized")]).recordNanoseconds(30_000)
        factory.makeRecorder(label: Metric.catalogueMovies.name, dimensions: [], aggregate: false).record(Int64(11_283))
        // A library's own metric is not exported.
        factory.makeCounter(label: "hb_requests", dimensions: []).increment(by: 1)
        let text = registry.emitToString()
        #expect(text.contains("# HELP reclab_http_requests_total \(Metric.httpRequests.help)"))
        // Labels in the catalogue's order, whatever order the caller used.
        #expect(text.contains(#"reclab_http_requests_total{method="GET",route="/health",status="200"} 2"#))
        #expect(text.contains("# TYPE reclab_recommend_duration_seconds histogram"))
        #expect(text.contains(#"reclab_recommend_duration_seconds_bucket{strategy="personalized",le="2.5e-05"} 0"#)
                || text.contains(#"reclab_recommend_duration_seconds_bucket{strategy="personalized",le="0.000025"} 0"#))
        #expect(text.contains(#"reclab_recommend_duration_seconds_bucket{strategy="personalized",le="5e-05"} 1"#)
                || text.contains(#"reclab_recommend_duration_seconds_bucket{strategy="personalized",le="0.00005"} 1"#), "\(text)")
        #expect(text.contains("reclab_catalogue_movies 11283"))
        #expect(!text.contains("hb_requests"))
    }

    @Test func processFiguresComeFromProc() {
        #expect((ProcessMetrics.residentBytes() ?? 0) > 1_000_000)
        #expect((ProcessMetrics.openFileDescriptors() ?? 0) >= 3)
    }
}

@Suite struct JSONLogHandlerTests {
    @Test func eachEntryIsOneJSONObjectWithItsMetadata() throws {
        let lines = Mutex<[String]>([])
        var logger = Logger(label: "reclab") { label in
            JSONLogHandler(label: label, level: .info) { line in lines.withLock { $0.append(line) } }
        }
        logger[metadataKey: "request_id"] = "req_1"
        logger.info("request", metadata: ["status": "200", "route": "/health", "tags": ["a", "b"]])
        logger.debug("below the level")
        let written = lines.withLock { $0 }
        #expect(written.count == 1)
        #expect(!written[0].contains("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(written[0].utf8)) as? [String: Any])
        #expect(object["message"] as? String == "request")
        #expect(object["level"] as? String == "info")
        #expect(object["logger"] as? String == "reclab")
        #expect(object["request_id"] as? String == "req_1")
        #expect(object["status"] as? String == "200")
        #expect(object["tags"] as? [String] == ["a", "b"])
        #expect((object["timestamp"] as? String)?.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"#, options: .regularExpression) != nil)
        #expect(object["source"] as? String == "RecLabObservabilityTests")
    }

    @Test func awkwardTextStaysValidJSONOnOneLine() throws {
        let lines = Mutex<[String]>([])
        let logger = Logger(label: "reclab") { label in
            JSONLogHandler(label: label, level: .info) { line in lines.withLock { $0.append(line) } }
        }
        let awkward = "a \"quoted\" \\ path\nsecond line\tand \u{1} control, é and 😀"
        logger.info("\(awkward)", metadata: ["nested": ["k": "\(awkward)"]])
        let line = try #require(lines.withLock { $0.first })
        #expect(!line.contains("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["message"] as? String == awkward)
        #expect((object["nested"] as? [String: Any])?["k"] as? String == awkward)
    }
}
