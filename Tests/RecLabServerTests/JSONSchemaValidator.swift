import Foundation
import TestSupport

/// Validates JSON answers against the schemas of an OpenAPI 3.1 document: the JSON Schema
/// keywords the document uses, `$ref`s into the document included. A keyword it does not
/// know is reported as an error, so the document cannot use one that would silently pass.
struct JSONSchemaValidator {
    /// The whole document, which `$ref`s point into.
    let document: JSONValue

    /// Keywords that describe and do not constrain.
    static let annotations: Set<String> = ["description", "format", "default", "example", "examples", "title", "deprecated"]

    /// Every way the value breaks the schema, each with the JSON path where it does.
    func errors(of value: JSONValue, against schema: JSONValue, at path: String = "$") -> [String] {
        switch schema {
        case .bool(true): return []
        case .bool(false): return ["\(path): no value is allowed here"]
        case .object(let keywords):
            return keywords.sorted { $0.key < $1.key }.flatMap { keyword, argument in
                check(keyword, argument, value: value, in: keywords, at: path)
            }
        default:
            return ["\(path): the schema is not an object or a boolean"]
        }
    }

    private func check(_ keyword: String, _ argument: JSONValue, value: JSONValue, in schema: [String: JSONValue], at path: String) -> [String] {
        func fail(_ message: String) -> [String] { ["\(path): \(message)"] }
        switch (keyword, argument) {
        case ("$ref", .string(let reference)):
            guard let target = resolve(reference) else { return fail("unresolvable $ref \(reference)") }
            return errors(of: value, against: target, at: path)
        case ("type", .string(let type)):
            return matches(value, type: type) ? [] : fail("expected \(type), got \(Self.describe(value))")
        case ("type", .array(let types)):
            return types.contains { if case .string(let type) = $0 { matches(value, type: type) } else { false } }
                ? [] : fail("expected one of \(types.compactMap { if case .string(let type) = $0 { type } else { nil } }), got \(Self.describe(value))")
        case ("enum", .array(let allowed)):
            return allowed.contains { $0.sameValue(as: value) } ? [] : fail("\(Self.describe(value)) is not in the enum")
        case ("const", let constant):
            return constant.sameValue(as: value) ? [] : fail("\(Self.describe(value)) is not the constant")
        case ("minimum", let bound):
            guard let number = value.numeric, let bound = bound.numeric else { return [] }
            return number >= bound ? [] : fail("\(number) is below the minimum \(bound)")
        case ("maximum", let bound):
            guard let number = value.numeric, let bound = bound.numeric else { return [] }
            return number <= bound ? [] : fail("\(number) is above the maximum \(bound)")
        case ("multipleOf", let step):
            guard let number = value.numeric, let step = step.numeric else { return [] }
            return (number / step).rounded() * step == number ? [] : fail("\(number) is not a multiple of \(step)")
        case ("minLength", .integer(let bound)):
            guard case .string(let text) = value else { return [] }
            return text.unicodeScalars.count >= bound ? [] : fail("a string shorter than \(bound)")
        case ("maxLength", .integer(let bound)):
            guard case .string(let text) = value else { return [] }
            return text.unicodeScalars.count <= bound ? [] : fail("a string longer than \(bound)")
        case ("pattern", .string(let pattern)):
            guard case .string(let text) = value else { return [] }
            return Self.matches(text, pattern: pattern) ? [] : fail("'\(text)' does not match \(pattern)")
        case ("minItems", .integer(let bound)):
            guard case .array(let items) = value else { return [] }
            return items.count >= bound ? [] : fail("\(items.count) items, fewer than \(bound)")
        case ("maxItems", .integer(let bound)):
            guard case .array(let items) = value else { return [] }
            return items.count <= bound ? [] : fail("\(items.count) items, more than \(bound)")
        case ("items", let itemSchema):
            guard case .array(let items) = value else { return [] }
            return items.enumerated().flatMap { index, item in errors(of: item, against: itemSchema, at: "\(path)[\(index)]") }
        case ("required", .array(let names)):
            guard case .object(let members) = value else { return [] }
            return names.compactMap { name in
                guard case .string(let name) = name, members[name] == nil else { return nil }
                return "\(path): required field '\(name)' is missing"
            }
        case ("properties", .object(let properties)):
            guard case .object(let members) = value else { return [] }
            return members.sorted { $0.key < $1.key }.flatMap { name, member in
                properties[name].map { errors(of: member, against: $0, at: "\(path).\(name)") } ?? []
            }
        case ("additionalProperties", let extraSchema):
            guard case .object(let members) = value else { return [] }
            var declared = Set<String>()
            if case .object(let properties)? = schema["properties"] { declared = Set(properties.keys) }
            return members.sorted { $0.key < $1.key }.filter { !declared.contains($0.key) }.flatMap { name, member in
                if case .bool(false) = extraSchema { return ["\(path): field '\(name)' is not in the schema"] }
                return errors(of: member, against: extraSchema, at: "\(path).\(name)")
            }
        case ("propertyNames", let nameSchema):
            guard case .object(let members) = value else { return [] }
            return members.keys.sorted().flatMap { errors(of: .string($0), against: nameSchema, at: "\(path) key '\($0)'") }
        case ("oneOf", .array(let choices)):
            let matching = choices.filter { errors(of: value, against: $0, at: path).isEmpty }.count
            return matching == 1 ? [] : fail("matches \(matching) of the oneOf schemas, not exactly one")
        case ("anyOf", .array(let choices)):
            return choices.contains { errors(of: value, against: $0, at: path).isEmpty } ? [] : fail("matches none of the anyOf schemas")
        case _ where Self.annotations.contains(keyword):
            return []
        default:
            return fail("the validator does not know the keyword '\(keyword)' with this argument")
        }
    }

    /// A JSON pointer into the document (`#/components/schemas/Movie`).
    func resolve(_ reference: String) -> JSONValue? {
        guard reference.hasPrefix("#/") else { return nil }
        var node: JSONValue? = document
        for token in reference.dropFirst(2).split(separator: "/") {
            let key = token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            node = node?[key]
        }
        return node
    }

    private func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object), ("integer", .integer),
             ("number", .integer), ("number", .number):
            return true
        case ("integer", .number(let number)):
            return number.rounded() == number
        default:
            return false
        }
    }

    private static func matches(_ text: String, pattern: String) -> Bool {
        guard let expression = try? NSRegularExpression(pattern: pattern) else { return false }
        return expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    private static func describe(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool(let bool): "boolean \(bool)"
        case .integer(let integer): "integer \(integer)"
        case .number(let number): "number \(number)"
        case .string(let string): "string '\(string.prefix(40))'"
        case .array(let items): "an array of \(items.count)"
        case .object: "an object"
        }
    }
}
