/// An optional field written as `null` when absent, where Swift's synthesized `Encodable`
/// would leave the key out: answers keep their whole shape, so clients always find every key.
///
/// The one mechanism for it (no hand-written `encode(to:)` listing fields, where a new one
/// could be forgotten); a field left plain is left out when absent, on purpose.
@propertyWrapper
public struct Nullable<Value> {
    public var wrappedValue: Value?

    public init(wrappedValue: Value?) {
        self.wrappedValue = wrappedValue
    }
}

extension Nullable: Sendable where Value: Sendable {}
extension Nullable: Equatable where Value: Equatable {}
extension Nullable: Hashable where Value: Hashable {}

extension Nullable: Encodable where Value: Encodable {
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(wrappedValue)
    }
}

extension Nullable: Decodable where Value: Decodable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        wrappedValue = container.decodeNil() ? nil : try container.decode(Value.self)
    }
}

extension KeyedDecodingContainer {
    /// A missing key reads as absent, as it does for a plain optional.
    public func decode<Value: Decodable>(_ type: Nullable<Value>.Type, forKey key: Key) throws -> Nullable<Value> {
        Nullable(wrappedValue: try decodeIfPresent(Value.self, forKey: key))
    }
}

extension KeyedEncodingContainer {
    /// Writes the key as `null` when absent: what synthesized `Encodable` calls for a
    /// `@Nullable` field, without a nested encoder per field.
    public mutating func encode<Value: Encodable>(_ value: Nullable<Value>, forKey key: Key) throws {
        if let wrapped = value.wrappedValue {
            try encode(wrapped, forKey: key)
        } else {
            try encodeNil(forKey: key)
        }
    }
}
