import Foundation
import TestSupport
import Testing

/// The contract test is only as good as its validator: each keyword must reject what breaks it.
@Suite struct JSONSchemaValidatorTests {
    static let document = try! JSONValue.parse(Data("""
        {"components": {"schemas": {
          "Error": {"type": "object", "additionalProperties": false, "required": ["error"],
                    "properties": {"error": {"type": "object", "additionalProperties": false, "required": ["code", "message"],
                                             "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}},
          "Genre": {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer", "minimum": 1, "maximum": 99999}}}
        }}}
        """.utf8))
    let validator = JSONSchemaValidator(document: document)

    func errors(_ json: String, _ schema: String) throws -> [String] {
        validator.errors(of: try JSONValue.parse(Data(json.utf8)), against: try JSONValue.parse(Data(schema.utf8)))
    }

    @Test func anErrorBodyOfTheDocumentedShapePasses() throws {
        #expect(try errors(##"{"error": {"code": "movie_not_found", "message": "no movie"}}"##, ##"{"$ref": "#/components/schemas/Error"}"##) == [])
    }

    @Test func aMissingRequiredFieldAnExtraFieldAndAWrongTypeAreEachReportedWithTheirPath() throws {
        let ref = ##"{"$ref": "#/components/schemas/Error"}"##
        #expect(try errors(##"{"error": {"code": "x"}}"##, ref) == ["$.error: required field 'message' is missing"])
        #expect(try errors(##"{"error": {"code": "x", "message": "y", "detail": 1}}"##, ref) == ["$.error: field 'detail' is not in the schema"])
        #expect(try errors(##"{"error": {"code": 404, "message": "y"}}"##, ref) == ["$.error.code: expected string, got integer 404"])
        #expect(try errors(##"[]"##, ref) == ["$: expected object, got an array of 0"])
    }

    @Test func typesTellBooleansIntegersAndNumbersApartAndATypeListAllowsNull() throws {
        #expect(try errors("true", ##"{"type": "integer"}"##).count == 1)
        #expect(try errors("1", ##"{"type": "boolean"}"##).count == 1)
        #expect(try errors("1.5", ##"{"type": "integer"}"##).count == 1)
        #expect(try errors("2", ##"{"type": "number"}"##) == [])
        #expect(try errors("null", ##"{"type": ["string", "null"]}"##) == [])
        #expect(try errors("3", ##"{"type": ["string", "null"]}"##).count == 1)
    }

    @Test func boundsEnumsConstantsAndPatternsRejectValuesOutsideThem() throws {
        #expect(try errors(##"{"id": 0}"##, ##"{"$ref": "#/components/schemas/Genre"}"##) == ["$.id: 0.0 is below the minimum 1.0"])
        #expect(try errors(##"{"id": 100000}"##, ##"{"$ref": "#/components/schemas/Genre"}"##).count == 1)
        #expect(try errors(##""year""##, ##"{"enum": ["day", "week", "month"]}"##).count == 1)
        #expect(try errors(##""week""##, ##"{"enum": ["day", "week", "month"]}"##) == [])
        #expect(try errors(##""refit done""##, ##"{"const": "refit started"}"##).count == 1)
        #expect(try errors("4.3", ##"{"multipleOf": 0.5}"##).count == 1)
        #expect(try errors(##""2001-7""##, ##"{"pattern": "^[0-9]{4}-[0-9]{2}$"}"##).count == 1)
        #expect(try errors(##"{"6.0": 1}"##, ##"{"propertyNames": {"pattern": "^[0-5]\\.[05]$"}}"##).count == 1)
        #expect(try errors(##""""##, ##"{"minLength": 1}"##).count == 1)
    }

    @Test func arraysAreCheckedItemByItemAndByLength() throws {
        #expect(try errors(##"[{"id": 1}, {"id": "x"}]"##, ##"{"items": {"$ref": "#/components/schemas/Genre"}}"##) == ["$[1].id: expected integer, got string 'x'"])
        #expect(try errors("[]", ##"{"minItems": 1}"##).count == 1)
        #expect(try errors("[1, 2, 3]", ##"{"maxItems": 2}"##).count == 1)
    }

    @Test func oneOfNeedsExactlyOneMatchAndAnyOfAtLeastOne() throws {
        let nullableGenre = ##"{"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/Genre"}]}"##
        #expect(try errors("null", nullableGenre) == [])
        #expect(try errors(##"{"id": 5}"##, nullableGenre) == [])
        #expect(try errors(##""Action""##, nullableGenre).count == 1)
        #expect(try errors("5", ##"{"oneOf": [{"type": "integer"}, {"type": "number"}]}"##) == ["$: matches 2 of the oneOf schemas, not exactly one"])
        #expect(try errors("5", ##"{"anyOf": [{"type": "integer"}, {"type": "number"}]}"##) == [])
        #expect(try errors("true", ##"{"anyOf": [{"type": "integer"}, {"type": "string"}]}"##).count == 1)
    }

    @Test func additionalPropertiesCanBeASchemaForMapsOfValues() throws {
        #expect(try errors(##"{"a": 1, "b": "x"}"##, ##"{"additionalProperties": {"type": "integer"}}"##) == ["$.b: expected integer, got string 'x'"])
    }

    @Test func anUnknownKeywordOrAnUnresolvableReferenceIsAnErrorNotASilentPass() throws {
        #expect(try errors("1", ##"{"exclusiveMinimum": 5}"##).count == 1)
        #expect(try errors("1", ##"{"$ref": "#/components/schemas/Nothing"}"##) == ["$: unresolvable $ref #/components/schemas/Nothing"])
    }
}
