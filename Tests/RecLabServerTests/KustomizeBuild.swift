import Foundation
import Yams

/// `kustomize build`, for the little RecLab's overlays use: resources (manifest files, and
/// folders with a kustomization.yaml), JSON 6902 patches on one target (add, remove, replace,
/// test) and strategic-merge `$patch: delete` patches. Neither kustomize nor kubectl is
/// installed here, so the tests build overlays with this and validate the result; anything
/// else a kustomization asks for is refused rather than ignored.
enum KustomizeBuild {
    struct Refused: Error, CustomStringConvertible {
        let description: String
    }

    /// Every object the kustomization in `folder` produces, in order.
    static func objects(in folder: URL) throws -> [[String: Any]] {
        let file = folder.appending(path: "kustomization.yaml")
        guard let kustomization = try Yams.load(yaml: String(contentsOf: file, encoding: .utf8)) as? [String: Any] else {
            throw Refused(description: "\(file.path) is not a mapping")
        }
        // `images` only retags the image, which validation does not look at.
        let unknown = Set(kustomization.keys).subtracting(["apiVersion", "kind", "resources", "patches", "images"])
        guard unknown.isEmpty else { throw Refused(description: "\(file.path): \(unknown.sorted()) not supported here") }
        var objects: [[String: Any]] = []
        for resource in kustomization["resources"] as? [String] ?? [] {
            let url = folder.appending(path: resource).standardizedFileURL
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else {
                throw Refused(description: "\(file.path): resource \(resource) does not exist")
            }
            if isFolder.boolValue {
                objects += try Self.objects(in: url)
            } else {
                for document in try Yams.load_all(yaml: String(contentsOf: url, encoding: .utf8)) {
                    guard let object = document as? [String: Any] else { throw Refused(description: "\(url.path): not a manifest") }
                    objects.append(object)
                }
            }
        }
        for patch in kustomization["patches"] as? [[String: Any]] ?? [] {
            guard let path = patch["path"] as? String else { throw Refused(description: "\(file.path): only patches from files are supported") }
            let loaded = try Yams.load(yaml: String(contentsOf: folder.appending(path: path), encoding: .utf8))
            if let operations = loaded as? [[String: Any]] {
                guard let target = patch["target"] as? [String: String], let kind = target["kind"], let name = target["name"] else {
                    throw Refused(description: "\(path): a JSON patch needs a target kind and name")
                }
                let index = try onlyIndex(of: kind, named: name, in: objects, for: path)
                for operation in operations {
                    objects[index] = try apply(operation, to: objects[index], in: path)
                }
            } else if let object = loaded as? [String: Any], object["$patch"] as? String == "delete",
                      let kind = object["kind"] as? String, let name = (object["metadata"] as? [String: Any])?["name"] as? String {
                objects.remove(at: try onlyIndex(of: kind, named: name, in: objects, for: path))
            } else {
                throw Refused(description: "\(path): only JSON patches and `$patch: delete` are supported here")
            }
        }
        return objects
    }

    private static func onlyIndex(of kind: String, named name: String, in objects: [[String: Any]], for patch: String) throws -> Int {
        let matching = objects.indices.filter {
            objects[$0]["kind"] as? String == kind && (objects[$0]["metadata"] as? [String: Any])?["name"] as? String == name
        }
        guard matching.count == 1 else { throw Refused(description: "\(patch): \(matching.count) objects are \(kind) \(name)") }
        return matching[0]
    }

    private static func apply(_ operation: [String: Any], to object: [String: Any], in patch: String) throws -> [String: Any] {
        guard let op = operation["op"] as? String, ["add", "remove", "replace", "test"].contains(op), let path = operation["path"] as? String,
              path.hasPrefix("/") else {
            throw Refused(description: "\(patch): unsupported operation \(operation)")
        }
        // RFC 6901: "~1" is "/", "~0" is "~".
        let tokens = path.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
        let result = try apply(op, value: operation["value"], at: tokens[...], to: object, path: "\(patch): \(op) \(path)")
        return result as! [String: Any]
    }

    private static func apply(_ op: String, value: Any?, at tokens: ArraySlice<String>, to node: Any, path: String) throws -> Any {
        let token = tokens.first!
        let last = tokens.count == 1
        if var mapping = node as? [String: Any] {
            if last {
                switch op {
                case "add": mapping[token] = value
                case "replace", "remove":
                    guard mapping[token] != nil else { throw Refused(description: "\(path): no '\(token)' to \(op)") }
                    mapping[token] = op == "replace" ? value : nil
                default:
                    guard same(mapping[token], value) else { throw Refused(description: "\(path): test failed, found \(mapping[token] ?? "nothing")") }
                }
                return mapping
            }
            guard let child = mapping[token] else { throw Refused(description: "\(path): no '\(token)'") }
            mapping[token] = try apply(op, value: value, at: tokens.dropFirst(), to: child, path: path)
            return mapping
        }
        if var sequence = node as? [Any] {
            if last, op == "add", token == "-" {
                sequence.append(value as Any)
                return sequence
            }
            guard let index = Int(token), index >= 0, index < sequence.count + (last && op == "add" ? 1 : 0) else {
                throw Refused(description: "\(path): no index \(token) in \(sequence.count) entries")
            }
            if last {
                switch op {
                case "add": sequence.insert(value as Any, at: index)
                case "replace": sequence[index] = value as Any
                case "remove": sequence.remove(at: index)
                default: guard same(sequence[index], value) else { throw Refused(description: "\(path): test failed, found \(sequence[index])") }
                }
                return sequence
            }
            sequence[index] = try apply(op, value: value, at: tokens.dropFirst(), to: sequence[index], path: path)
            return sequence
        }
        throw Refused(description: "\(path): '\(token)' is inside a scalar")
    }

    /// JSON equality, keys sorted.
    private static func same(_ a: Any?, _ b: Any?) -> Bool {
        func json(_ value: Any?) -> Data? {
            guard let value else { return nil }
            return try? JSONSerialization.data(withJSONObject: [value], options: [.sortedKeys])
        }
        return json(a) == json(b)
    }
}
