import Foundation
import Mustache

/// The console's Mustache templates and the files its pages load, read from the target's
/// resources once per process.
public struct ConsoleTemplates: Sendable {
    /// A file a page loads, with the content type it is served as.
    public struct Asset: Sendable {
        public let bytes: Data
        public let contentType: String
    }

    let library: MustacheLibrary
    /// By file name, as `/console/assets/{file}` names them.
    public let assets: [String: Asset]

    static let assetTypes = [
        "console.css": "text/css; charset=utf-8",
        "console.js": "text/javascript; charset=utf-8",
    ]

    /// Read when the first console is made: a template missing or broken is a packaging
    /// fault, so the server stops at start-up naming it rather than serve a broken page.
    public static let bundled: ConsoleTemplates = {
        do {
            return try ConsoleTemplates(resources: Bundle.module.bundleURL.appending(path: "console"))
        } catch {
            fatalError("the console's templates cannot be read: \(error)")
        }
    }()

    init(resources: URL) throws {
        var library = MustacheLibrary()
        let folder = resources.appending(path: "templates")
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where name.hasSuffix(".mustache") {
            let text = try String(contentsOf: folder.appending(path: name), encoding: .utf8)
            try library.register(text, named: String(name.dropLast(".mustache".count)))
        }
        self.library = library
        assets = try Self.assetTypes.reduce(into: [:]) { assets, entry in
            assets[entry.key] = Asset(bytes: try Data(contentsOf: resources.appending(path: "assets/\(entry.key)")), contentType: entry.value)
        }
    }

    /// `view` through the template `name`; a template the bundle lacks is a programming error.
    func render(_ view: Any, _ name: String) -> String {
        guard let html = library.render(view, withTemplate: name) else { preconditionFailure("no console template '\(name)'") }
        return html
    }
}
