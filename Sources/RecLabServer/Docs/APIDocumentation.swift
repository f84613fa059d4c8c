import Foundation
import NIOCore
import RecLabServing
import Yams

/// The API's hand-written OpenAPI document and the files of its documentation pages, read
/// from the target's resources once per process and kept as buffers that every answer shares.
struct APIDocumentation: Sendable {
    /// One file a page loads, with the content type it is served as.
    struct Asset: Sendable {
        let bytes: ByteBuffer
        let contentType: String
    }

    let yaml: ByteBuffer
    /// The same document as JSON, for `/openapi.json` and the pages (Swagger UI and ReDoc
    /// read either; JSON is what most clients expect).
    let json: ByteBuffer
    let swaggerPage: ByteBuffer
    let redocPage: ByteBuffer
    /// By file name, as `/docs/assets/{file}` names them.
    let assets: [String: Asset]

    static let assetTypes = [
        "docs.js": "text/javascript; charset=utf-8",
        "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
        "swagger-ui.css": "text/css; charset=utf-8",
        "redoc.standalone.js": "text/javascript; charset=utf-8",
    ]

    /// Read when the first router is built: a resource missing from the bundle is a packaging
    /// fault, so the server stops at start-up naming the file rather than serve a broken page.
    static let bundled: APIDocumentation = {
        do {
            return try APIDocumentation(resources: Bundle.module.bundleURL)
        } catch {
            fatalError("the API documentation resources cannot be read: \(error)")
        }
    }()

    init(resources: URL) throws {
        func read(_ path: String) throws -> ByteBuffer { ByteBuffer(bytes: try Data(contentsOf: resources.appending(path: path))) }
        yaml = try read("openapi.yaml")
        json = ByteBuffer(string: try Self.json(fromYAML: String(buffer: yaml)))
        swaggerPage = try read("docs/swagger-ui.html")
        redocPage = try read("docs/redoc.html")
        assets = try Self.assetTypes.reduce(into: [:]) { assets, entry in
            assets[entry.key] = Asset(bytes: try read("docs/assets/\(entry.key)"), contentType: entry.value)
        }
    }

    /// JSON with the YAML's key order kept (so the pages list paths as the document does),
    /// every mapping key written as a string (`"200":` whether or not the YAML quoted it) and
    /// scalars typed by YAML's core schema.
    static func json(fromYAML text: String) throws -> String {
        guard let root = try Yams.compose(yaml: text) else { throw DocumentError(message: "the OpenAPI document is empty") }
        var output = ""
        try write(root, to: &output)
        return output
    }

    private static func write(_ node: Node, to output: inout String) throws {
        switch node {
        case .mapping(let mapping):
            output += "{"
            for (index, (key, value)) in mapping.enumerated() {
                guard case .scalar(let name) = key else { throw DocumentError(message: "a mapping key that is not a scalar at \(key.mark.map(String.init(describing:)) ?? "?")") }
                if index > 0 { output += "," }
                output += try quoted(name.string) + ":"
                try write(value, to: &output)
            }
            output += "}"
        case .sequence(let sequence):
            output += "["
            for (index, element) in sequence.enumerated() {
                if index > 0 { output += "," }
                try write(element, to: &output)
            }
            output += "]"
        case .scalar(let scalar):
            // The tag the resolver gave the scalar: a quoted "200" stays a string.
            switch node.tag.rawValue {
            case Tag.Name.null.rawValue: output += "null"
            case Tag.Name.bool.rawValue: output += node.bool! ? "true" : "false"
            case Tag.Name.int.rawValue: output += String(node.int!)
            case Tag.Name.float.rawValue where node.float!.isFinite: output += String(node.float!)
            default: output += try quoted(scalar.string)
            }
        case .alias:
            throw DocumentError(message: "the OpenAPI document uses a YAML alias; write the value out")
        }
    }

    private static func quoted(_ string: String) throws -> String {
        String(decoding: try stringEncoder.encode(string), as: UTF8.self)
    }

    private static let stringEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        return encoder
    }()

    struct DocumentError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
}
