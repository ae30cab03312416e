/// A value in Concord's canonical JSON: what every signed or hashed governance structure is made of.
///
/// There are no floating-point numbers: a real is written as a string, by ``real(_:)``'s rule, so its bytes are
/// the same in every implementation. ``canonicalBytes`` gives the exact bytes (specified in
/// `Docs/governance-encoding.md`); ``CanonicalJSON/parse(_:)`` reads them back.
public enum CanonicalValue: Sendable, Hashable {
    /// An object; keys are unique and are written in order of their UTF-8 bytes.
    case object([String: CanonicalValue])
    /// An array, in order.
    case array([CanonicalValue])
    /// A string, written as its UTF-8 bytes with minimal escaping.
    case string(String)
    /// A signed 64-bit integer, written in decimal.
    case integer(Int)
    /// `true` or `false`.
    case bool(Bool)
    /// `null`.
    case null

    /// A real as a canonical string, written exactly as Python's `repr(float)` writes it: the shortest decimal
    /// digits that read back as the same double, in positional notation when the decimal exponent e of
    /// d.ddd × 10^e is in [-4, 16) (with `.0` when integral: `0.1`, `1.0`, `0.0001`, `9007199254740992.0`),
    /// otherwise as `d.ddde±XX` with at least two exponent digits (`1e-05`, `1e+16`, `1.5e+300`); `nan`, `inf`,
    /// `-inf`, and `-0.0` for negative zero.
    public static func real(_ value: Double) -> CanonicalValue { .string(realText(value)) }

    /// The text ``real(_:)`` writes for `value`.
    ///
    /// Swift's `description` computes the same shortest digits and the same layout, except that it switches to
    /// scientific notation from 2^53 rather than 10^16; values in between (always exponent 15) are rewritten.
    public static func realText(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        let text = value.description
        guard let e = text.firstIndex(of: "e"), text[text.index(after: e)...] == "+15" else { return text }
        var mantissa = Substring(text[..<e])
        let negative = mantissa.first == "-"
        if negative { mantissa = mantissa.dropFirst() }
        var digits = String(mantissa.filter { $0 != "." })
        if digits.count < 16 { digits += String(repeating: "0", count: 16 - digits.count) }
        return (negative ? "-" : "") + digits + ".0"
    }

    /// A real read back from the text ``real(_:)`` wrote; nil for any other text.
    public static func realValue(_ text: String) -> Double? {
        guard let value = Double(text), realText(value) == text else { return nil }
        return value
    }

    /// The member `key` of an object; nil for a missing key or a value that is not an object.
    public subscript(key: String) -> CanonicalValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// The string, if this is one.
    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The integer, if this is one.
    public var integerValue: Int? {
        if case .integer(let value) = self { return value }
        return nil
    }

    /// The Boolean, if this is one.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The elements, if this is an array.
    public var arrayValue: [CanonicalValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// The members, if this is an object.
    public var objectValue: [String: CanonicalValue]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// The real, if this is a string ``real(_:)`` could have written.
    public var realValue: Double? { stringValue.flatMap(Self.realValue) }
}
