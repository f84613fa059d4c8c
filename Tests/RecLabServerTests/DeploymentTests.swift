import Foundation
import RecLabServer
import RecLabServing
import TestSupport
import Testing
import Yams

/// The deployment files (Dockerfile, docker-compose.yml, deploy/), checked without a container
/// engine or a cluster, neither of which runs here: hadolint and kubernetes-validate from the
/// repository's .venv and promtool from Debian (scripts/setup.sh installs all three), and the
/// release binary's shared libraries against the packages of the image's runtime stage.
@Suite struct DeploymentTests {
    @Test func hadolintFindsNothingInTheDockerfileAndEveryIgnoredRuleSaysWhy() throws {
        let result = try runTool(Self.tool(".venv/bin/hadolint"), ["--no-color", "--failure-threshold", "style", repositoryFile("Dockerfile")])
        #expect(result.status == 0, "hadolint:\n\(result.output)")

        let lines = try Self.text("Dockerfile").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for (number, line) in lines.enumerated() where line.hasPrefix("# hadolint ignore=") {
            let above = number > 0 ? lines[number - 1] : ""
            #expect(above.hasPrefix("#") && !above.hasPrefix("# hadolint"), "Dockerfile:\(number + 1): \(line) has no reason in a comment above it")
        }
    }

    /// kubernetes-validate ships the schemas of each Kubernetes version, so this needs no network
    /// (checked in a network namespace without one). 1.30 is the oldest version still common in
    /// managed clusters, 1.37 the newest the pinned kubernetes-validate knows.
    @Test(arguments: ["1.30.0", "1.37.0"])
    func everyKubernetesManifestIsValid(kubernetesVersion: String) throws {
        let manifests = try Self.kubernetesManifests().map { repositoryFile("deploy/kubernetes/\($0)") }
        #expect(manifests.count >= 5)
        let result = try runTool(Self.tool(".venv/bin/kubernetes-validate"), ["--strict", "--kubernetes-version", kubernetesVersion] + manifests)
        #expect(result.status == 0, "kubernetes-validate:\n\(result.output)")
        // A kind without a schema is only a warning there: every file must have passed for real.
        for manifest in manifests {
            #expect(result.output.contains("\(manifest) passed"), "\(manifest) was not validated:\n\(result.output)")
        }
    }

    /// The Secret is created by hand, so re-applying the repository cannot overwrite real keys
    /// with its placeholders.
    @Test func kustomizationAppliesEveryManifestButTheSecret() throws {
        let kustomization = try Self.yaml("deploy/kubernetes/kustomization.yaml")
        let resources = try #require(kustomization["resources"] as? [String])
        #expect(Set(resources) == Set(try Self.kubernetesManifests()).subtracting(["secret.yaml"]))
    }

    /// The replicas overlay, built by `KustomizeBuild` (kustomize is not installed here), gives
    /// manifests kubernetes-validate accepts; so does the Secret it leaves to be made by hand.
    @Test(arguments: ["1.30.0", "1.37.0"])
    func theReplicasOverlayBuildsToValidManifests(kubernetesVersion: String) throws {
        let objects = try KustomizeBuild.objects(in: URL(fileURLWithPath: repositoryFile("deploy/kubernetes/replicas")))
        let folder = try makeTemporaryDirectory("kustomize-build")
        defer { try? FileManager.default.removeItem(at: folder) }
        var files: [String] = []
        for (index, object) in objects.enumerated() {
            // JSON is YAML.
            let file = folder.appending(path: "\(index)-\(object["kind"] as? String ?? "object").yaml")
            try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]).write(to: file)
            files.append(file.path)
        }
        files.append(repositoryFile("deploy/kubernetes/replicas/secret-database.yaml"))
        let result = try runTool(Self.tool(".venv/bin/kubernetes-validate"), ["--strict", "--kubernetes-version", kubernetesVersion] + files)
        #expect(result.status == 0, "kubernetes-validate:\n\(result.output)")
        for file in files {
            #expect(result.output.contains("\(file) passed"), "\(file) was not validated:\n\(result.output)")
        }
    }

    @Test func theReplicasOverlayRunsAutoscaledReplicasOnPostgreSQLThatShareTheirModels() throws {
        let objects = try KustomizeBuild.objects(in: URL(fileURLWithPath: repositoryFile("deploy/kubernetes/replicas")))
        func object(_ kind: String, _ name: String? = nil) throws -> [String: Any] {
            try #require(objects.first { $0["kind"] as? String == kind && (name == nil || ($0["metadata"] as? [String: Any])?["name"] as? String == name) },
                         "no \(kind) \(name ?? "")")
        }
        func spec(_ object: [String: Any]) -> [String: Any] { object["spec"] as? [String: Any] ?? [:] }

        // The SQLite claim is gone; the shared one can be mounted by every replica.
        let claims = objects.filter { $0["kind"] as? String == "PersistentVolumeClaim" }
        #expect(claims.count == 1)
        let shared = try #require(claims.first)
        #expect(spec(shared)["accessModes"] as? [String] == ["ReadWriteMany"])

        let deployment = try object("Deployment", "movie-recommendation-api")
        #expect(spec(deployment)["replicas"] == nil, "the autoscaler sets the count")
        let strategy = spec(deployment)["strategy"] as? [String: Any]
        #expect(strategy?["type"] as? String == "RollingUpdate")
        #expect((strategy?["rollingUpdate"] as? [String: Any])?["maxUnavailable"] as? Int == 0)
        let template = try #require(spec(deployment)["template"] as? [String: Any])
        let podLabels = try #require((template["metadata"] as? [String: Any])?["labels"] as? [String: String])
        let pod = spec(template)
        let container = try #require((pod["containers"] as? [[String: Any]])?.first)
        let environment = container["env"] as? [[String: Any]] ?? []
        func variable(_ name: String) -> [String: Any]? { environment.first { $0["name"] as? String == name } }
        let url = (variable("DATABASE_URL")?["valueFrom"] as? [String: Any])?["secretKeyRef"] as? [String: String]
        #expect(url == ["name": "reclab-database", "key": "url"])
        let models = try #require(variable("MODELS_DIR")?["value"] as? String)
        let mount = try #require((container["volumeMounts"] as? [[String: Any]])?.first { $0["mountPath"] as? String == models })
        let volume = (pod["volumes"] as? [[String: Any]])?.first { $0["name"] as? String == mount["name"] as? String }
        let claimName = (volume?["persistentVolumeClaim"] as? [String: Any])?["claimName"] as? String
        #expect(claimName == (shared["metadata"] as? [String: Any])?["name"] as? String, "MODELS_DIR is on the shared claim")

        let autoscaler = try object("HorizontalPodAutoscaler")
        let target = spec(autoscaler)["scaleTargetRef"] as? [String: String]
        #expect(target?["kind"] == "Deployment" && target?["name"] == "movie-recommendation-api")
        let minimum = try #require(spec(autoscaler)["minReplicas"] as? Int)
        #expect(minimum >= 3 && (spec(autoscaler)["maxReplicas"] as? Int ?? 0) > minimum)

        let budget = try object("PodDisruptionBudget")
        let selected = try #require((spec(budget)["selector"] as? [String: Any])?["matchLabels"] as? [String: String])
        #expect(selected.allSatisfy { podLabels[$0.key] == $0.value }, "the budget covers the replicas' pods")
        let available = try #require(spec(budget)["minAvailable"] as? Int)
        #expect(available >= 2 && available < minimum, "a drain may take one replica, never all")

        // The database URL the replicas are given names the PostgreSQL Service and its port.
        let secret = try Self.yaml("deploy/kubernetes/replicas/secret-database.yaml")
        let secretURL = try #require((secret["stringData"] as? [String: String])?["url"])
        let database = try #require(URL(string: secretURL))
        let service = try object("Service", database.host)
        #expect((spec(service)["ports"] as? [[String: Any]])?.first?["port"] as? Int == database.port)
        let postgres = try object("StatefulSet")
        let postgresLabels = ((spec(postgres)["template"] as? [String: Any])?["metadata"] as? [String: Any])?["labels"] as? [String: String] ?? [:]
        #expect((spec(service)["selector"] as? [String: String] ?? [:]).allSatisfy { postgresLabels[$0.key] == $0.value } && !postgresLabels.isEmpty)

        // Every file of the overlay is a resource, a patch or the hand-made Secret.
        let kustomization = try Self.yaml("deploy/kubernetes/replicas/kustomization.yaml")
        let used = Set(kustomization["resources"] as? [String] ?? []).union((kustomization["patches"] as? [[String: Any]] ?? []).compactMap { $0["path"] as? String })
        let files = try FileManager.default.contentsOfDirectory(atPath: repositoryFile("deploy/kubernetes/replicas")).filter { $0.hasSuffix(".yaml") }
        #expect(Set(files).subtracting(["kustomization.yaml", "secret-database.yaml"]) == used.subtracting(["../"]))
    }

    /// The stand-in refuses what it cannot build, so a passing build means something.
    @Test func theKustomizeStandInRefusesAFailedTestAndAMissingTarget() throws {
        let folder = try makeTemporaryDirectory("kustomize-refusals")
        defer { try? FileManager.default.removeItem(at: folder) }
        try "apiVersion: v1\nkind: Service\nmetadata:\n  name: one\nspec:\n  ports: [{port: 1}]\n".write(to: folder.appending(path: "service.yaml"), atomically: true, encoding: .utf8)
        for (patch, target) in [("- {op: test, path: /spec/ports/0/port, value: 2}", "one"), ("- {op: remove, path: /spec/type}", "one"), ("- {op: add, path: /x, value: 1}", "two")] {
            try patch.write(to: folder.appending(path: "patch.yaml"), atomically: true, encoding: .utf8)
            try "resources: [service.yaml]\npatches:\n  - path: patch.yaml\n    target: {kind: Service, name: \(target)}\n"
                .write(to: folder.appending(path: "kustomization.yaml"), atomically: true, encoding: .utf8)
            #expect(throws: KustomizeBuild.Refused.self, "\(patch) on \(target)") { try KustomizeBuild.objects(in: folder) }
        }
        try "- {op: test, path: /spec/ports/0/port, value: 1}\n- {op: add, path: /spec/type, value: NodePort}".write(to: folder.appending(path: "patch.yaml"), atomically: true, encoding: .utf8)
        try "resources: [service.yaml]\npatches:\n  - path: patch.yaml\n    target: {kind: Service, name: one}\n".write(to: folder.appending(path: "kustomization.yaml"), atomically: true, encoding: .utf8)
        let built = try KustomizeBuild.objects(in: folder)
        #expect((built.first?["spec"] as? [String: Any])?["type"] as? String == "NodePort")
    }

    @Test func theReplicasComposeRunsThreeReplicasOnPostgreSQLBehindNginxSharingOneModelsVolume() throws {
        let services = try Self.composeServices("docker-compose.replicas.yml")
        let api = try #require(services["movie-api"])
        #expect((api["deploy"] as? [String: Any])?["replicas"] as? Int == 3)
        #expect(api["ports"] == nil, "nginx alone is published")
        let environment = try #require(api["environment"] as? [String: Any])
        let databaseURL = try #require(environment["DATABASE_URL"] as? String)
        let database = try #require(URL(string: databaseURL.replacingOccurrences(of: "${POSTGRES_PASSWORD:-reclab}", with: "x")))
        #expect(database.scheme == "postgres" && services[database.host ?? ""] != nil, "DATABASE_URL names the compose PostgreSQL")
        let models = try #require(environment["MODELS_DIR"] as? String)
        let volumes = (api["volumes"] as? [String] ?? []).map { $0.split(separator: ":").map(String.init) }
        let modelsVolume = try #require(volumes.first { $0.count >= 2 && $0[1] == models }?.first)
        let namedVolumes = try Self.yaml("docker-compose.replicas.yml")["volumes"] as? [String: Any]
        #expect(!modelsVolume.hasPrefix(".") && namedVolumes?.keys.contains(modelsVolume) == true, "MODELS_DIR is one named volume all replicas mount")
        let dockerfile = try Self.text("Dockerfile")
        #expect(dockerfile.contains(models), "the image makes \(models) for its user, so the new volume is writable")

        let nginx = try #require(services["nginx"])
        let mounts = Dictionary(uniqueKeysWithValues: Self.bindMounts(nginx).map { ($0.target, $0.source) })
        let configuration = try #require(mounts["/etc/nginx/nginx.conf"])
        #expect(mounts["/etc/nginx/proxy.conf"] == "./deploy/nginx/proxy.conf", "the proxy settings are the local nginx's")
        let text = try Self.text(configuration)
        #expect(text.contains("server movie-api:8013") && text.contains("include proxy.conf;"))
        #expect((nginx["ports"] as? [String])?.contains { $0.hasSuffix(":8013") } == true)
    }

    @Test func configMapCarriesEveryExperimentFileTheServerReadsByteForByte() throws {
        let folder = repositoryFile("experiments")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".yaml") }
        #expect(files.contains("strategies.yaml"))
        let configMap = try Self.yaml("deploy/kubernetes/configmap-experiments.yaml")
        let data = try #require(configMap["data"] as? [String: String])
        #expect(Set(data.keys) == Set(files))
        for file in files {
            #expect(data[file] == (try Self.text("experiments/\(file)")), "experiments/\(file) differs from its key in deploy/kubernetes/configmap-experiments.yaml: copy it there")
        }
    }

    @Test(arguments: ["docker-compose.yml", "docker-compose.replicas.yml"])
    func composeMountsOnlyFilesThatExistWhereGrafanaAndPrometheusLookForThem(file: String) throws {
        let services = try Self.composeServices(file)
        var mounted = 0
        for (name, service) in services {
            for (source, _) in Self.bindMounts(service) {
                mounted += 1
                #expect(FileManager.default.fileExists(atPath: repositoryFile(source)), "\(name) mounts \(source), which does not exist")
            }
        }
        #expect(mounted >= 4)

        // The replicas' compose leaves Grafana to docker-compose.yml.
        guard let grafana = services["grafana"] else { return }
        let targets = Self.bindMounts(grafana).map { $0.target }
        // Grafana reads provisioning files only from these subfolders.
        for target in targets where target.hasPrefix("/etc/grafana/provisioning/") {
            let folder = URL(fileURLWithPath: target).deletingLastPathComponent().lastPathComponent
            #expect(["datasources", "dashboards"].contains(folder), "\(target) is not where Grafana reads provisioning")
        }
        #expect(targets.contains { $0.hasPrefix("/etc/grafana/provisioning/datasources/") })
        let providers = try #require(try Self.yaml("dashboards/grafana/provisioning/dashboards/reclab.yml")["providers"] as? [[String: Any]])
        let path = try #require((providers.first?["options"] as? [String: Any])?["path"] as? String)
        #expect(Self.bindMounts(grafana).contains { $0.source == "./dashboards" && $0.target == path }, "the dashboards provider reads \(path), where dashboards/ is not mounted")
    }

    /// The compose Prometheus's config and rules laid out as its bind mounts put them in the
    /// container, so `rule_files` resolve as they will there (a rule file that is not found is
    /// no error to promtool, only "0 rule files found").
    @Test(arguments: ["docker-compose.yml", "docker-compose.replicas.yml"])
    func promtoolAcceptsTheComposePrometheusConfigAndItsRulesAsMounted(file: String) throws {
        let prometheus = try #require(try Self.composeServices(file)["prometheus"])
        let command = try #require(prometheus["command"] as? [String])
        let config = try #require(command.first { $0.hasPrefix("--config.file=") }?.dropFirst("--config.file=".count))
        let root = try makeTemporaryDirectory("compose-prometheus")
        defer { try? FileManager.default.removeItem(at: root) }
        for (source, target) in Self.bindMounts(prometheus) {
            let destination = root.appending(path: String(target.dropFirst()))
            try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: repositoryFile(source), toPath: destination.path)
        }
        let configFile = root.appending(path: String(config.dropFirst())).path
        let ruleFiles = try #require(try Yams.load(yaml: String(contentsOfFile: configFile, encoding: .utf8)) as? [String: Any])["rule_files"] as? [String]
        #expect(ruleFiles?.isEmpty == false)

        let result = try runTool(Self.tool("/usr/bin/promtool"), ["check", "config", configFile])
        #expect(result.status == 0, "promtool check config:\n\(result.output)")
        #expect(result.output.contains("SUCCESS: \(ruleFiles?.count ?? 0) rule files found"), "promtool did not find the rule files:\n\(result.output)")
        #expect(!result.output.contains(" 0 rules found"), "a rule file holds no rules:\n\(result.output)")
    }

    @Test func imageComposeAndKubernetesAgreeOnPortUserAndFolders() throws {
        let image = try Dockerfile(Self.text("Dockerfile")).runtime
        let port = try #require(image.arguments("EXPOSE").first.flatMap { Int($0) })
        let user = try #require(image.arguments("USER").first?.split(separator: ":").first.flatMap { Int($0) })
        let environment = image.environment
        let dataFolder = try #require(environment["DATABASE_URL"].map { URL(fileURLWithPath: $0).deletingLastPathComponent().path })
        let imageVolumes = Set(image.volumes)
        #expect(imageVolumes == [dataFolder, try #require(environment["RECLAB_CACHE_DIR"])], "the database and the downloads are the image's volumes")

        let deployment = try Self.yaml("deploy/kubernetes/deployment.yaml")
        let template = try #require((deployment["spec"] as? [String: Any])?["template"] as? [String: Any])
        let annotations = try #require((template["metadata"] as? [String: Any])?["annotations"] as? [String: String])
        #expect(annotations["prometheus.io/scrape"] == "true")
        #expect(annotations["prometheus.io/port"] == String(port))
        #expect(annotations["prometheus.io/path"] == "/metrics")
        let pod = try #require(template["spec"] as? [String: Any])
        #expect((pod["securityContext"] as? [String: Any])?["runAsUser"] as? Int == user)
        let container = try #require((pod["containers"] as? [[String: Any]])?.first)
        #expect((container["ports"] as? [[String: Any]])?.first?["containerPort"] as? Int == port)
        let mounts = try #require(container["volumeMounts"] as? [[String: Any]])
        let volumes = try #require(pod["volumes"] as? [[String: Any]])
        func mountPaths(ofVolumeWith key: String) -> [String] {
            let name = volumes.first { $0[key] != nil }?["name"] as? String
            return mounts.filter { $0["name"] as? String == name }.compactMap { $0["mountPath"] as? String }
        }
        #expect(Set(mountPaths(ofVolumeWith: "persistentVolumeClaim")) == imageVolumes)
        let settings = Dictionary(uniqueKeysWithValues: (container["env"] as? [[String: Any]] ?? []).compactMap { variable in
            (variable["name"] as? String).flatMap { name in (variable["value"] as? String).map { (name, $0) } }
        })
        let experiments = try #require(mountPaths(ofVolumeWith: "configMap").first)
        #expect(settings["EXPERIMENTS_DIR"] == experiments)
        #expect(settings["STRATEGIES_FILE"] == experiments + "/strategies.yaml")

        let services = try Self.composeServices()
        let (name, reclab) = try #require(services.first { $0.value["build"] != nil })
        #expect((reclab["ports"] as? [String])?.contains { $0.hasSuffix(":\(port)") } == true)
        let composeVolumes = (reclab["volumes"] as? [String] ?? []).compactMap { $0.split(separator: ":").dropFirst().first.map(String.init) }
        #expect(Set(composeVolumes) == imageVolumes)
        let scrape = try Self.text("deploy/compose/prometheus.yml")
        #expect(scrape.contains("\"\(name):\(port)\""), "the compose Prometheus does not scrape \(name):\(port)")
    }

    /// With no evaluation stored, the server evaluates EVALUATION_CONFIG (default: the
    /// repository's chosen one) in the background; its paths are relative to the working
    /// directory, and the data must be the data sets the first start downloaded. (A link to
    /// them would not do: the importer does not follow a link to a folder.)
    @Test func backgroundEvaluationFindsItsConfigAndTheDownloadedDataInTheImage() throws {
        let image = try Dockerfile(Self.text("Dockerfile")).runtime
        let workingDirectory = try #require(image.arguments("WORKDIR").last)
        let config = try #require(try ServerConfiguration { _ in nil }.evaluationConfig)
        #expect(image.arguments("COPY").contains("experiments/ \(workingDirectory)/experiments/"), "the image lacks \(config)")

        let datasets = try #require(try Self.yaml(config)["datasets"] as? String)
        let resolved = URL(fileURLWithPath: workingDirectory).appending(path: datasets).standardizedFileURL.path
        let cache = try #require(image.environment["RECLAB_CACHE_DIR"])
        #expect(resolved == cache, "\(config) reads \(datasets), \(resolved) in the image, which is not where RECLAB_CACHE_DIR (\(cache)) keeps the download")
    }

    /// The runtime stage installs no Swift toolchain, so the image's binary must be linked with
    /// `--static-swift-stdlib`; the local release build links the Swift libraries dynamically
    /// (`/opt/swift/…/lib/swift/linux`), and its other libraries are what the static binary
    /// needs: checked once by building both, whose `ldd` lists were the same but for the Swift
    /// libraries (readelf: the static one needs libopenblas, libsqlite3, libcurl, libz, libm,
    /// libstdc++, libgcc_s, libc). Each library's Debian package must be one the runtime stage
    /// installs, a dependency apt pulls in with it, or part of the slim base image.
    @Test func everySharedLibraryOfTheReleaseBinaryComesFromThePackagesOfTheRuntimeImage() throws {
        let dockerfile = try Dockerfile(Self.text("Dockerfile"))
        // Library names and packages match the image only on its Debian release.
        let base = try #require(dockerfile.runtime.arguments("FROM").first)
        let release = try #require(try Self.osRelease()["VERSION_ID"])
        try #require(base.hasPrefix("debian:\(release)."), "the runtime stage is \(base), this machine Debian \(release): the check does not apply")

        let products = try #require(Bundle.main.executableURL).deletingLastPathComponent()
        let binary = products.appending(path: "reclab").path
        guard FileManager.default.fileExists(atPath: binary) else {
            throw CannotCheck(description: "no release binary at \(binary): swift build -c release --product reclab")
        }
        let ldd = try runTool("/usr/bin/ldd", [binary])
        #expect(ldd.status == 0, "ldd:\n\(ldd.output)")
        #expect(!ldd.output.contains("not found"), "ldd:\n\(ldd.output)")
        let libraries = Self.libraryPaths(ldd: ldd.output)
        #expect(libraries.count >= 5)

        let swiftLibraries = libraries.filter { $0.contains("/lib/swift/") }
        if !swiftLibraries.isEmpty {
            let build = dockerfile.stages[0].arguments("RUN").filter { $0.contains("swift build") }
            #expect(!build.isEmpty && build.allSatisfy { $0.contains("--static-swift-stdlib") },
                    "the binary loads \(swiftLibraries.count) Swift libraries, which the runtime stage lacks, and the Dockerfile builds without --static-swift-stdlib")
        }

        let installed = dockerfile.runtime.installedPackages
        #expect(!installed.isEmpty, "no apt-get install in the runtime stage")
        let packages = try Self.installedPackages()
        // debian:*-slim is Debian's minbase: the Essential packages and apt.
        let baseImage = packages.closure(of: packages.essential.union(["apt"]))
        let provided = packages.closure(of: Set(installed)).union(baseImage)
        let owners = try Self.owningPackages(of: libraries.filter { !$0.contains("/lib/swift/") })
        for (library, owner) in owners.sorted(by: { $0.key < $1.key }) {
            guard let owner else {
                Issue.record("\(library) belongs to no Debian package")
                continue
            }
            let installedThere = provided.contains(owner)
            #expect(installedThere, "\(library) comes from \(owner), which the runtime stage does not install")
        }
        // And only what is needed: each package owns a library, but for two whose reason is not one.
        let needed = Set(owners.values.compactMap { $0 })
        let notLibraries: Set = ["ca-certificates", "curl"]  // HTTPS for the download; HEALTHCHECK
        for package in installed where !notLibraries.contains(package) {
            let isNeeded = needed.contains(package) && !baseImage.contains(package)
            #expect(isNeeded, "the runtime stage installs \(package), which no library needs")
        }
    }
}

extension DeploymentTests {
    /// Something a check needs is missing: a tool, the binary, or a readable file.
    struct CannotCheck: Error, CustomStringConvertible {
        let description: String
    }

    /// A tool that scripts/setup.sh installs: missing, it fails the test with a message that
    /// says so, rather than skipping it.
    static func tool(_ path: String) throws -> String {
        let full = path.hasPrefix("/") ? path : repositoryFile(path)
        guard FileManager.default.isExecutableFile(atPath: full) else {
            throw CannotCheck(description: "\(full) is missing: run scripts/setup.sh")
        }
        return full
    }

    static func text(_ relative: String) throws -> String {
        try String(contentsOfFile: repositoryFile(relative), encoding: .utf8)
    }

    static func yaml(_ relative: String) throws -> [String: Any] {
        try #require(try Yams.load(yaml: text(relative)) as? [String: Any], "\(relative) is not a YAML mapping")
    }

    /// The Kubernetes objects under deploy/kubernetes: every YAML file but kustomize's own.
    static func kubernetesManifests() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: repositoryFile("deploy/kubernetes"))
            .filter { $0.hasSuffix(".yaml") && $0 != "kustomization.yaml" }.sorted()
    }

    static func composeServices(_ file: String = "docker-compose.yml") throws -> [String: [String: Any]] {
        try #require(try yaml(file)["services"] as? [String: [String: Any]])
    }

    /// A compose service's mounts of repository files (`./source:/target[:ro]`).
    static func bindMounts(_ service: [String: Any]) -> [(source: String, target: String)] {
        (service["volumes"] as? [String] ?? []).compactMap { volume in
            let parts = volume.split(separator: ":").map(String.init)
            guard parts.count >= 2, parts[0].hasPrefix("./") else { return nil }
            return (parts[0], parts[1])
        }
    }

    static func osRelease() throws -> [String: String] {
        let text = try String(contentsOfFile: "/etc/os-release", encoding: .utf8)
        return Dictionary(text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { return nil }
            return (parts[0], parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"")))
        }, uniquingKeysWith: { first, _ in first })
    }

    /// The files `ldd` resolved (the vDSO has none).
    static func libraryPaths(ldd: String) -> [String] {
        ldd.split(separator: "\n").compactMap { line in
            let words = line.split(separator: " ").map(String.init)
            if let arrow = words.firstIndex(of: "=>"), arrow + 1 < words.count, words[arrow + 1].hasPrefix("/") { return words[arrow + 1] }
            return words.first.flatMap { $0.hasPrefix("/") ? $0 : nil }
        }
    }

    /// The package each library's file belongs to (`dpkg -S`), nil for none. dpkg records a
    /// file under the path its package shipped, so each library is asked under the name ldd
    /// gave, the file the links lead to, and both with and without /usr (Debian 12 merges /lib
    /// into /usr/lib).
    static func owningPackages(of libraries: [String]) throws -> [String: String?] {
        func candidates(_ path: String) -> [String] {
            let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
            return [path, resolved].flatMap { [$0, $0.hasPrefix("/usr/") ? String($0.dropFirst(4)) : "/usr" + $0] }
        }
        let paths = Set(libraries.flatMap(candidates))
        // Exits 1 when some path is unknown; the known ones are printed all the same.
        let result = try runTool("/usr/bin/dpkg", ["-S"] + paths.sorted())
        var owner: [String: String] = [:]
        for line in result.output.split(separator: "\n") where !line.hasPrefix("dpkg-query:") && !line.hasPrefix("diversion") {
            guard let separator = line.range(of: ": /") else { continue }
            let package = line[..<separator.lowerBound].split(separator: ",").first.map { String($0.split(separator: ":")[0]) }
            owner[String(line[line.index(after: separator.lowerBound)...]).trimmingCharacters(in: .whitespaces)] = package
        }
        return Dictionary(uniqueKeysWithValues: libraries.map { library in (library, candidates(library).lazy.compactMap { owner[$0] }.first) })
    }

    /// What dpkg knows of the packages installed here: their dependencies, and which are Essential.
    struct InstalledPackages {
        /// Each package's Pre-Depends and Depends, a list of alternatives per dependency.
        var dependencies: [String: [[String]]] = [:]
        var providers: [String: [String]] = [:]
        var essential: Set<String> = []

        /// The packages and everything they depend on, as apt installs them: of alternatives,
        /// the first one installed here (apt takes the first it can).
        func closure(of roots: Set<String>) -> Set<String> {
            var reached: Set<String> = []
            var pending = Array(roots)
            while let package = pending.popLast() {
                guard reached.insert(package).inserted else { continue }
                for alternatives in dependencies[package] ?? [] {
                    let chosen = alternatives.lazy.compactMap { name in
                        dependencies[name] != nil ? name : providers[name]?.first
                    }.first
                    if let chosen { pending.append(chosen) }
                }
            }
            return reached
        }
    }

    static func installedPackages() throws -> InstalledPackages {
        let format = "${db:Status-Abbrev}\t${Package}\t${Essential}\t${Pre-Depends}, ${Depends}\t${Provides}\n"
        let result = try runTool("/usr/bin/dpkg-query", ["-W", "-f", format])
        #expect(result.status == 0, "dpkg-query:\n\(result.output)")
        // "libc6 (>= 2.34), debconf (>= 0.5) | debconf-2.0, libfoo:any" → names, alternatives kept.
        func names(_ field: Substring) -> [[String]] {
            field.split(separator: ",").map { dependency in
                dependency.split(separator: "|").compactMap { alternative in
                    alternative.split(separator: " ").first.map { String($0.split(separator: ":")[0]) }
                }
            }.filter { !$0.isEmpty }
        }
        var packages = InstalledPackages()
        for line in result.output.split(separator: "\n") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == 5, fields[0].hasPrefix("ii") else { continue }
            let name = String(fields[1])
            packages.dependencies[name] = names(fields[3])
            if fields[2] == "yes" { packages.essential.insert(name) }
            for provided in names(fields[4]).flatMap({ $0 }) { packages.providers[provided, default: []].append(name) }
        }
        return packages
    }
}

/// A Dockerfile's instructions by stage, comments dropped and continuation lines joined.
struct Dockerfile {
    struct Instruction {
        let keyword: String
        let arguments: String
    }

    let stages: [[Instruction]]

    init(_ text: String) throws {
        var stages: [[Instruction]] = []
        var logical = ""
        for line in text.split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            // Comments may sit between continuation lines too; they end nothing.
            if trimmed.hasPrefix("#") || trimmed.isEmpty { continue }
            if trimmed.hasSuffix("\\") {
                logical += String(trimmed.dropLast()) + " "
                continue
            }
            logical += trimmed
            let parts = logical.split(separator: " ", maxSplits: 1).map(String.init)
            let instruction = Instruction(keyword: parts[0].uppercased(), arguments: parts.count > 1 ? parts[1] : "")
            if instruction.keyword == "FROM" { stages.append([]) }
            guard !stages.isEmpty else { throw DeploymentTests.CannotCheck(description: "Dockerfile: \(instruction.keyword) before the first FROM") }
            stages[stages.count - 1].append(instruction)
            logical = ""
        }
        self.stages = stages
    }

    /// The last stage: what the image runs.
    var runtime: [Instruction] { stages.last ?? [] }
}

extension [Dockerfile.Instruction] {
    func arguments(_ keyword: String) -> [String] {
        filter { $0.keyword == keyword }.map(\.arguments)
    }

    /// The packages the stage's `apt-get install` commands name.
    var installedPackages: [String] {
        arguments("RUN").flatMap { run in
            run.components(separatedBy: "&&").flatMap { command -> [String] in
                let words = command.split(separator: " ").map(String.init)
                guard let install = words.firstIndex(of: "install"), words[..<install].contains("apt-get") else { return [] }
                return words[(install + 1)...].filter { !$0.hasPrefix("-") }
            }
        }
    }

    /// The folders of the stage's `VOLUME ["…", …]`.
    var volumes: [String] {
        arguments("VOLUME").flatMap { (try? JSONDecoder().decode([String].self, from: Data($0.utf8))) ?? [] }
    }

    /// The stage's `ENV NAME=value …` settings.
    var environment: [String: String] {
        Dictionary(arguments("ENV").flatMap { $0.split(separator: " ") }.compactMap { setting in
            let parts = setting.split(separator: "=", maxSplits: 1).map(String.init)
            return parts.count == 2 ? (parts[0], parts[1]) : nil
        }, uniquingKeysWith: { _, last in last })
    }
}
