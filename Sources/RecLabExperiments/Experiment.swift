import Foundation
import RecLabCore

/// An online experiment: which users it enrols on which surface, and the variants (each a
/// strategy with parameters) it splits them between. One variant is the control.
public struct Experiment: Sendable, Equatable {
    /// Whether an experiment is assigning users.
    public enum Status: String, Sendable, Codable, CaseIterable {
        case draft, running, stopped
    }

    /// A slice of a namespace: experiments in one namespace with disjoint slices never share
    /// a user, so two of them can run on one surface.
    public struct Namespace: Sendable, Equatable {
        public var name: String
        public var range: Range<Double>

        public init(name: String, range: Range<Double>) {
            self.name = name
            self.range = range
        }
    }

    /// Which users an experiment may enrol.
    public struct Targeting: Sendable, Equatable {
        /// Only users with at least this many ratings and preferences.
        public var minimumInteractions: Int?
        /// Only users with no history at all (cold start).
        public var newUsersOnly: Bool

        public init(minimumInteractions: Int? = nil, newUsersOnly: Bool = false) {
            self.minimumInteractions = minimumInteractions
            self.newUsersOnly = newUsersOnly
        }

        public func admits(interactions: Int) -> Bool {
            if newUsersOnly, interactions > 0 { return false }
            if let minimumInteractions, interactions < minimumInteractions { return false }
            return true
        }
    }

    /// How reports of the experiment compute intervals and p-values.
    public enum Analysis: Sendable, Equatable {
        /// For one look at a planned sample size (Welch's t-test): read every day, it finds
        /// differences that are not there far more often than its 5%.
        case fixed
        /// Valid at every look at once: a confidence sequence, tightest at `tuning` users in
        /// all (`ConfidenceSequence`).
        case sequential(tuning: Double)

        /// As experiment files and reports spell it.
        public var name: String {
            switch self {
            case .fixed: "fixed"
            case .sequential: "sequential"
            }
        }
    }

    /// How users see the variants.
    public enum Kind: String, Sendable, Equatable {
        /// Each enrolled user is served one variant (their assignment), as today's files do.
        case ab
        /// Each enrolled user is served one list merged from every variant's by team draft
        /// (`TeamDraft`), and a click credits the variant that put the clicked movie there.
        case interleaving
    }

    /// A metric a treatment must not harm by more than `maxDrop` (relative), whatever else it wins.
    public struct Guardrail: Sendable, Equatable {
        /// The metrics a guardrail can watch, as files and reports name them.
        public enum Metric: String, Sendable, CaseIterable {
            case ctr
            case watchRate = "watch_rate"
        }

        public var metric: Metric
        /// The largest relative drop against control that is still acceptable, e.g. 0.02 for 2%.
        public var maxDrop: Double

        public init(metric: Metric, maxDrop: Double) {
            self.metric = metric
            self.maxDrop = maxDrop
        }
    }

    /// One arm of the experiment.
    public struct Variant: Sendable, Equatable {
        public var name: String
        public var weight: Double
        public var isControl: Bool
        public var strategy: String
        public var parameters: ParameterValue?
        /// The list controls this variant's answers are given, on top of the caller's (so an
        /// experiment can measure a filter or diversification online).
        public var controls: ListControls

        public init(
            name: String, weight: Double, isControl: Bool, strategy: String, parameters: ParameterValue?, controls: ListControls = ListControls()
        ) {
            self.name = name
            self.weight = weight
            self.isControl = isControl
            self.strategy = strategy
            self.parameters = parameters
            self.controls = controls
        }
    }

    public var id: String
    public var description: String
    public var status: Status
    public var surface: Surface
    /// The hash seed: changing it reshuffles this experiment only.
    public var salt: String
    /// Share of eligible traffic enrolled, 0–1.
    public var coverage: Double
    public var namespace: Namespace?
    public var targeting: Targeting
    public var variants: [Variant]
    public var analysis: Analysis
    public var kind: Kind
    public var guardrails: [Guardrail]
    /// Whether reports adjust each metric for the users' activity before their first exposure.
    public var cuped: Bool

    public init(
        id: String, description: String, status: Status, surface: Surface, salt: String, coverage: Double, namespace: Namespace?,
        targeting: Targeting, variants: [Variant], analysis: Analysis = .fixed, kind: Kind = .ab, guardrails: [Guardrail] = [],
        cuped: Bool = false
    ) {
        self.id = id
        self.description = description
        self.status = status
        self.surface = surface
        self.salt = salt
        self.coverage = coverage
        self.namespace = namespace
        self.targeting = targeting
        self.variants = variants
        self.analysis = analysis
        self.kind = kind
        self.guardrails = guardrails
        self.cuped = cuped
    }

    /// The `variant` an interleaved answer and its exposure carry: each movie's team is the
    /// variant credited for it.
    public static let interleavedArm = "interleaved"

    public var control: Variant { variants.first(where: \.isControl)! }

    /// The name a variant's fitted model goes by, wherever it is fitted or looked up: unique
    /// across experiments and apart from the configured instances' names.
    public static func modelName(experiment: String, variant: String) -> String { "\(experiment)/\(variant)" }

    public func modelName(of variant: Variant) -> String { Self.modelName(experiment: id, variant: variant.name) }

    /// Every variant as a strategy instance named by its model name, ready to fit.
    public func variantInstances(_ registry: StrategyRegistry) throws -> [ConfiguredStrategy] {
        try variants.map { try registry.make(name: modelName(of: $0), strategy: $0.strategy, parameters: $0.parameters) }
    }
}

/// The variant a user is served, and why they are (or are not) in the experiment.
public struct Assignment: Sendable, Equatable {
    public var experiment: String
    public var variant: Experiment.Variant
    /// The hash value that placed the user, in [0, 1).
    public var bucket: Double
}

/// What an experiment serves an enrolled user: one variant's list, or every variant's
/// interleaved.
public enum Arm: Sendable, Equatable {
    case variant(Experiment.Variant)
    case interleaved([Experiment.Variant])
}

extension Experiment {
    /// GrowthBook's algorithm: outside the namespace slice, not targeted or not running means
    /// no assignment; otherwise hash v2 of (salt, user) picks the variant whose range, scaled
    /// by coverage, holds it.
    /// An interleaving experiment assigns no variant (see `arm`).
    public func assign(userID: String, interactions: Int) -> Assignment? {
        guard kind == .ab, let bucket = bucket(userID: userID, interactions: interactions) else { return nil }
        let ranges = GrowthBookAssignment.bucketRanges(variations: variants.count, coverage: coverage, weights: variants.map(\.weight))
        guard let index = GrowthBookAssignment.chooseVariation(bucket, ranges: ranges) else { return nil }
        return Assignment(experiment: id, variant: variants[index], bucket: bucket)
    }

    /// What the experiment serves the user, nil when it does not enrol them. An interleaving
    /// experiment enrols the `coverage` share of the eligible users, as GrowthBook's
    /// `inExperiment` does.
    public func arm(userID: String, interactions: Int) -> Arm? {
        switch kind {
        case .ab:
            return assign(userID: userID, interactions: interactions).map { .variant($0.variant) }
        case .interleaving:
            guard let bucket = bucket(userID: userID, interactions: interactions), bucket < coverage else { return nil }
            return .interleaved(variants)
        }
    }

    /// The user's hash value when the experiment may enrol them at all (running, targeted, in
    /// the namespace slice).
    private func bucket(userID: String, interactions: Int) -> Double? {
        guard status == .running, targeting.admits(interactions: interactions) else { return nil }
        if let namespace, !GrowthBookAssignment.inNamespace(userID, namespace: namespace.name, range: namespace.range) {
            return nil
        }
        return GrowthBookAssignment.hash(seed: salt, value: userID, version: 2)
    }
}
