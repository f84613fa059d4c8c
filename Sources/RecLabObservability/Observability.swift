import CJemalloc
import CoreMetrics
import Foundation
import Logging
import Prometheus
import Synchronization

/// The process's metrics registry and log set-up: bootstrapped once, whoever asks first
/// (the server, each test's server, a benchmark), because swift-metrics and swift-log accept
/// one bootstrap per process.
public enum Observability {
    /// The registry `/metrics` renders.
    public static let registry = PrometheusCollectorRegistry()
    private static let bootstrapped = Mutex(false)

    /// Installs `CatalogueMetricsFactory` as the swift-metrics backend; later calls do nothing.
    public static func bootstrapMetrics() {
        let first = bootstrapped.withLock { done in
            defer { done = true }
            return !done
        }
        if first { MetricsSystem.bootstrap(CatalogueMetricsFactory(registry: registry)) }
    }

    /// The Prometheus text exposition of every family, process figures read from /proc now.
    public static func exposition() -> String {
        ProcessMetrics.record()
        return registry.emitToString()
    }
}

/// Resident memory, open file descriptors and start time, read from /proc (swift-prometheus
/// has no process collector).
public enum ProcessMetrics {
    /// When this process started: read once, from /proc/self/stat and the boot time, so a
    /// restart shows as a step even when the scrape interval hides the gap.
    static let startTime: Double = {
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
              let boot = bootTime(), let closing = stat.lastIndex(of: ")") else { return Date().timeIntervalSince1970 }
        // Fields after the command's closing parenthesis; starttime is field 22 overall, the 20th after it.
        let fields = stat[stat.index(after: closing)...].split(separator: " ")
        guard fields.count > 19, let ticks = Double(fields[19]) else { return Date().timeIntervalSince1970 }
        return boot + ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
    }()

    static func bootTime() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8) else { return nil }
        return text.split(separator: "\n").first { $0.hasPrefix("btime ") }.flatMap { Double($0.dropFirst(6)) }
    }

    /// VmRSS in bytes.
    public static func residentBytes() -> Double? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return nil }
        return line.split(separator: " ").dropFirst().first.flatMap { Double($0) }.map { $0 * 1024 }
    }

    public static func openFileDescriptors() -> Int? {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")).map(\.count)
    }

    /// The allocator's heap (jemalloc): bytes handed out to the program, bytes resident beyond
    /// those (fragmentation, and freed pages not yet given back), and bytes mapped in all.
    public static func heapBytes() -> (inUse: Int, free: Int, mapped: Int)? {
        // Statistics are a snapshot, refreshed by advancing the epoch.
        var epoch: UInt64 = 1
        guard mallctl("epoch", nil, nil, &epoch, MemoryLayout<UInt64>.size) == 0,
              let allocated = statistic("stats.allocated"), let resident = statistic("stats.resident"),
              let mapped = statistic("stats.mapped") else { return nil }
        return (allocated, max(0, resident - allocated), mapped)
    }

    private static func statistic(_ name: String) -> Int? {
        var value = 0
        var size = MemoryLayout<Int>.size
        return mallctl(name, &value, &size, nil, 0) == 0 ? value : nil
    }

    static func record() {
        if let bytes = residentBytes() { CoreMetrics.Gauge(label: Metric.residentMemory.name).record(bytes) }
        if let heap = heapBytes() {
            for (state, bytes) in [("in_use", heap.inUse), ("free", heap.free), ("mapped", heap.mapped)] {
                CoreMetrics.Gauge(label: Metric.heapMemory.name, dimensions: [("state", state)]).record(bytes)
            }
        }
        if let count = openFileDescriptors() { CoreMetrics.Gauge(label: Metric.openFileDescriptors.name).record(count) }
        CoreMetrics.Gauge(label: Metric.startTime.name).record(startTime)
    }
}
