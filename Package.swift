// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "RecLab",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "reclab", targets: ["reclab"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
    ],
    targets: [
        // OpenBLAS (CBLAS + LAPACK's Fortran symbols) from Debian's libopenblas-dev.
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS"),
        // jemalloc from Debian's libjemalloc-dev: the process's allocator wherever the metrics
        // target is linked (every server, benchmark and test binary). glibc's malloc fragments
        // under the answer cache's churn: scripts/soak.sh saw its free-but-resident bytes grow
        // by 50 MiB in ten minutes while the bytes in use stayed flat.
        .systemLibrary(name: "CJemalloc", path: "Sources/CJemalloc"),
        .target(name: "LinearAlgebra", dependencies: ["COpenBLAS"]),
        .target(name: "RecLabCore"),
        .target(name: "RecLabStore", dependencies: ["RecLabCore"]),
        // Fitted model generations in a shared folder: written once, loaded by every replica.
        .target(name: "RecLabModelStore", dependencies: ["RecLabCore", "RecLabDatasets", .product(name: "Crypto", package: "swift-crypto")]),
        // In-memory full-text search over the catalogue.
        .target(name: "RecLabSearch", dependencies: ["RecLabCore"]),
        // Synthetic data sets in MovieLens's layout, for measuring at scale.
        .target(name: "RecLabSynth", dependencies: ["RecLabCore"]),
        .target(name: "RecLabExperiments", dependencies: ["RecLabCore", "RecLabStore", "RecLabEvaluation", "RecLabStatistics", .product(name: "Yams", package: "Yams")]),
        // Offline evaluation: the protocol, metrics, reports, and the job that runs a config.
        .target(name: "RecLabEvaluation", dependencies: ["RecLabCore", "RecLabStore", "RecLabDatasets", "RecLabStatistics", .product(name: "Yams", package: "Yams")]),
        // The statistics offline reports and experiments share: distributions, the bootstrap.
        .target(name: "RecLabStatistics", dependencies: ["RecLabCore"]),

        // Strategies: one target each, knowing only the core (and the BLAS layer).
        .target(name: "ContentStrategy", dependencies: ["RecLabCore", "LinearAlgebra"], path: "Strategies/Content"),
        .target(name: "GenreStrategy", dependencies: ["RecLabCore"], path: "Strategies/Genre"),
        .target(name: "PopularityStrategy", dependencies: ["RecLabCore"], path: "Strategies/Popularity"),
        .target(name: "PersonalizedStrategy", dependencies: ["RecLabCore", "LinearAlgebra"], path: "Strategies/Personalized"),
        .target(name: "HybridStrategy", dependencies: ["RecLabCore"], path: "Strategies/Hybrid"),
        .target(name: "SequentialStrategy", dependencies: ["RecLabCore"], path: "Strategies/Sequential"),
        .target(name: "SLISTStrategy", dependencies: ["RecLabCore", "LinearAlgebra"], path: "Strategies/SLIST"),
        .target(name: "GRU4RecStrategy", dependencies: ["RecLabCore", "LinearAlgebra"], path: "Strategies/GRU4Rec"),
        // The one list of registration lines; only the executables and tests depend on it.
        .target(
            name: "RecLabStrategies",
            dependencies: [
                "RecLabCore", "ContentStrategy", "GenreStrategy", "PopularityStrategy", "PersonalizedStrategy", "HybridStrategy", "SequentialStrategy",
                "SLISTStrategy", "GRU4RecStrategy",
            ]
        ),

        .target(
            name: "RecLabDatasets",
            dependencies: [
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Metrics catalogue and Prometheus backend, process figures, JSON logs.
        .target(
            name: "RecLabObservability",
            dependencies: [.product(name: "CoreMetrics", package: "swift-metrics"), 
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                "CJemalloc",
            ]
        ),
        // The TMDB v3 client: typed answers, deadlines, retries, its own pace; no server in it.
        .target(
            name: "RecLabTMDB",
            dependencies: [
                "RecLabCore", "RecLabStore", "RecLabObservability",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .target(
            name: "RecLabSQLite",
            dependencies: ["RecLabCore", 
                "RecLabStore",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        // The PostgreSQL backend, for several replicas on one database.
        .target(
            name: "RecLabPostgres",
            dependencies: ["RecLabCore", 
                "RecLabStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The server's domain without HTTP: models fitted and refitted, the catalogue in memory,
        // recommendations answered, cached and logged, and the background services that keep
        // them current. Testable without a socket.
        .target(
            name: "RecLabServing",
            dependencies: [
                "RecLabCore", "RecLabStore", "RecLabModelStore", "RecLabSearch", "RecLabDatasets", "RecLabEvaluation", "RecLabExperiments", "RecLabObservability",
                "RecLabTMDB", "LinearAlgebra",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        // The lab console's pages: what the serving core holds, as HTML from Mustache templates
        // bundled with their stylesheet and script. No HTTP in it; the server routes to it.
        .target(
            name: "RecLabConsole",
            dependencies: [
                "RecLabServing", "RecLabCore", "RecLabStore", "RecLabEvaluation", "RecLabExperiments", "RecLabStatistics", "RecLabObservability",
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            resources: [.copy("Resources/console")]
        ),
        // The HTTP shell over the serving core: routes, middleware and protection, the request
        // context, errors, the API documentation, the application builder.
        .target(
            name: "RecLabServer",
            dependencies: [
                "RecLabServing", "RecLabConsole", "RecLabCore", "RecLabStore", "RecLabDatasets", "RecLabEvaluation", "RecLabExperiments", "RecLabObservability",
                "RecLabTMDB",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // The OpenAPI document and the documentation pages with their assets.
            // Copied as they are, not as a `Resources` folder: Foundation on Linux takes a
            // bundle with one for the macOS layout and looks one level too deep.
            resources: [.copy("Resources/openapi.yaml"), .copy("Resources/docs")]
        ),
        .executableTarget(
            name: "reclab",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird"), .product(name: "Logging", package: "swift-log"), "RecLabStore", .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"), 
                "RecLabServer", "RecLabServing", "RecLabCore", "RecLabEvaluation", "RecLabSQLite", "RecLabPostgres", "RecLabExperiments", "RecLabStrategies", "RecLabTMDB", "RecLabSynth",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        .executableTarget(
            name: "reclab-bench",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird"), .product(name: "Logging", package: "swift-log"), "RecLabCore", "RecLabExperiments", "RecLabStore", 
                "RecLabServer", "RecLabServing", "RecLabModelStore", "RecLabStrategies", "RecLabSQLite", "RecLabSearch", "LinearAlgebra", "RecLabEvaluation",
                "RecLabObservability", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            path: "benchmarks/reclab-bench"
        ),
        .target(
            name: "TestSupport",
            dependencies: ["RecLabCore", "RecLabStore", "RecLabSQLite", "RecLabPostgres", "RecLabDatasets", .product(name: "ZIPFoundation", package: "ZIPFoundation")],
            path: "Tests/TestSupport"
        ),
        // A stand-in for TMDB v3 over HTTP, serving tmdb-5000, for the client's and the server's tests.
        .target(
            name: "FakeTMDB",
            dependencies: [.product(name: "NIOCore", package: "swift-nio"), "RecLabStore", "TestSupport", .product(name: "Hummingbird", package: "hummingbird")],
            path: "Tests/FakeTMDB"
        ),
        .testTarget(name: "RecLabTMDBTests", dependencies: [.product(name: "Logging", package: "swift-log"), "RecLabCore", "RecLabStore", "RecLabTMDB", "FakeTMDB", "TestSupport", "RecLabObservability"]),
        .testTarget(name: "LinearAlgebraTests", dependencies: ["LinearAlgebra", "RecLabCore"]),
        .testTarget(name: "RecLabSynthTests", dependencies: ["RecLabSynth", "RecLabStore", "TestSupport"]),
        .testTarget(name: "RecLabCoreTests", dependencies: ["RecLabCore"]),
        .testTarget(name: "RecLabExperimentsTests", dependencies: ["RecLabCore", "RecLabStore", "RecLabExperiments", "RecLabStatistics", "PopularityStrategy", "PersonalizedStrategy", "HybridStrategy", "TestSupport"]),
        .testTarget(name: "RecLabStatisticsTests", dependencies: ["RecLabCore", "RecLabStatistics"]),
        .testTarget(name: "RecLabEvaluationTests", dependencies: ["RecLabCore", "RecLabEvaluation", "RecLabStatistics", "PopularityStrategy", "HybridStrategy", "TestSupport"]),
        .testTarget(name: "ContentStrategyTests", dependencies: ["RecLabCore", "ContentStrategy", "TestSupport"]),
        .testTarget(name: "GenreStrategyTests", dependencies: ["RecLabCore", "GenreStrategy", "TestSupport"]),
        .testTarget(name: "PopularityStrategyTests", dependencies: ["RecLabCore", "PopularityStrategy", "TestSupport"]),
        .testTarget(name: "PersonalizedStrategyTests", dependencies: ["PersonalizedStrategy", "RecLabCore", "LinearAlgebra", "TestSupport"]),
        .testTarget(name: "HybridStrategyTests", dependencies: ["RecLabCore", "HybridStrategy", "PopularityStrategy", "TestSupport"]),
        .testTarget(name: "SequentialStrategyTests", dependencies: ["RecLabCore", "SequentialStrategy", "TestSupport"]),
        .testTarget(name: "SLISTStrategyTests", dependencies: ["RecLabCore", "SLISTStrategy", "TestSupport"]),
        .testTarget(name: "GRU4RecStrategyTests", dependencies: ["RecLabCore", "GRU4RecStrategy", "TestSupport"]),
        .testTarget(name: "RecLabSearchTests", dependencies: ["RecLabCore", "RecLabSearch", "RecLabStore", "TestSupport"]),
        .testTarget(name: "RecLabStoreTests", dependencies: ["RecLabCore", "RecLabStore", "TestSupport"]),
        .testTarget(name: "RecLabModelStoreTests", dependencies: ["RecLabCore", "RecLabModelStore", "RecLabStrategies", "TestSupport"]),
        // Every registered strategy under the list controls, as the server applies them.
        .testTarget(name: "RecLabStrategiesTests", dependencies: ["RecLabCore", "RecLabStrategies", "TestSupport"]),
        .testTarget(
            name: "RecLabDatasetsTests",
            dependencies: ["RecLabDatasets", "TestSupport", .product(name: "ZIPFoundation", package: "ZIPFoundation"), .product(name: "Crypto", package: "swift-crypto")]
        ),
        .testTarget(name: "RecLabSQLiteTests", dependencies: ["RecLabSQLite", "TestSupport"]),
        // The repositories' behaviour, the same tests on every backend.
        .testTarget(name: "RepositoryTests", dependencies: ["RecLabCore", "RecLabSQLite", "RecLabPostgres", "RecLabStore", "TestSupport"]),
        .testTarget(
            name: "RecLabObservabilityTests",
            dependencies: [.product(name: "CoreMetrics", package: "swift-metrics"), .product(name: "Logging", package: "swift-log"), "RecLabObservability", .product(name: "Prometheus", package: "swift-prometheus")]
        ),
        .testTarget(
            name: "RecLabServerTests",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird"), .product(name: "Logging", package: "swift-log"), "RecLabCore", "RecLabEvaluation", "RecLabExperiments", "RecLabObservability", "RecLabStore", 
                "RecLabServer", "RecLabServing", "RecLabModelStore", "RecLabStrategies", "RecLabSQLite", "RecLabPostgres", "RecLabTMDB", "TestSupport", "FakeTMDB",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // DeploymentTests read the compose file and Kubernetes manifests.
                .product(name: "Yams", package: "Yams"),
            ]
        ),
    ]
)
