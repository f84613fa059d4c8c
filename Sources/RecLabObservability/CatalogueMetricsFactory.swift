import CoreMetrics
import Foundation
import Prometheus

/// A swift-metrics backend that writes into a Prometheus registry only the families of
/// `Metric.all`, each with its HELP text, unit and buckets.
///
/// swift-prometheus's own factory registers every family without HELP and with one bucket
/// layout; this one looks each label up in the catalogue instead. Series are created with
/// the catalogue's label order; a label set that differs from the catalogue's is a
/// programming error and stops the process, as swift-prometheus would on a mismatch. Labels
/// outside the catalogue (a library's own metrics) are dropped.
public struct CatalogueMetricsFactory: MetricsFactory {
    public let registry: PrometheusCollectorRegistry
    private let families: [String: MetricFamily]

    public init(registry: PrometheusCollectorRegistry, families: [MetricFamily] = Metric.all) {
        self.registry = registry
        self.families = Dictionary(uniqueKeysWithValues: families.map { ($0.name, $0) })
    }

    /// The family and the dimensions in its label order.
    private func resolve(_ label: String, _ dimensions: [(String, String)], as kind: MetricFamily.Kind) -> (MetricNameDescriptor, [(String, String)])? {
        guard let family = families[label] else { return nil }
        precondition(family.kind == kind, "\(label) is a \(family.kind.rawValue), recorded as a \(kind.rawValue)")
        let values = Dictionary(dimensions) { _, last in last }
        precondition(
            Set(values.keys) == Set(family.labels) && values.count == dimensions.count,
            "\(label) takes labels \(family.labels), got \(dimensions.map(\.0))")
        let unit = [family.unit.isEmpty ? nil : family.unit, kind == .counter ? "total" : nil].compactMap { $0 }.joined(separator: "_")
        let descriptor = MetricNameDescriptor(namespace: MetricFamily.namespace, metricName: family.stem, unitName: unit, helpText: family.help)
        return (descriptor, family.labels.map { ($0, values[$0]!) })
    }

    public func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        guard let (descriptor, labels) = resolve(label, dimensions, as: .counter) else { return NOOPMetricsHandler.instance }
        return registry.makeCounter(descriptor: descriptor, labels: labels)
    }

    public func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        guard let (descriptor, labels) = resolve(label, dimensions, as: .counter) else { return NOOPMetricsHandler.instance }
        return registry.makeCounter(descriptor: descriptor, labels: labels)
    }

    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        if aggregate, let family = families[label] {
            guard let (descriptor, labels) = resolve(label, dimensions, as: .histogram) else { return NOOPMetricsHandler.instance }
            return registry.makeValueHistogram(descriptor: descriptor, labels: labels, buckets: family.buckets)
        }
        guard let (descriptor, labels) = resolve(label, dimensions, as: .gauge) else { return NOOPMetricsHandler.instance }
        return registry.makeGauge(descriptor: descriptor, labels: labels)
    }

    public func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        guard let (descriptor, labels) = resolve(label, dimensions, as: .gauge) else { return NOOPMetricsHandler.instance }
        return registry.makeGauge(descriptor: descriptor, labels: labels)
    }

    public func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        guard let family = families[label], let (descriptor, labels) = resolve(label, dimensions, as: .histogram) else {
            return NOOPMetricsHandler.instance
        }
        let buckets = family.buckets.map { Duration.nanoseconds(Int64(($0 * 1e9).rounded())) }
        return registry.makeDurationHistogram(descriptor: descriptor, labels: labels, buckets: buckets)
    }

    // Series live as long as the process: label sets are bounded, so nothing is unregistered.
    public func destroyCounter(_ handler: any CounterHandler) {}
    public func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {}
    public func destroyRecorder(_ handler: any RecorderHandler) {}
    public func destroyMeter(_ handler: any MeterHandler) {}
    public func destroyTimer(_ handler: any TimerHandler) {}
}
