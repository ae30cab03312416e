import Crypto
import Foundation

/// SHA-256 helpers: every hash Concord's governance records is the lowercase hex of a SHA-256 digest.
public enum SHA256Hex {
    /// The lowercase hex SHA-256 of `bytes` (64 characters).
    public static func of(_ bytes: some DataProtocol) -> String {
        hex(SHA256.hash(data: bytes))
    }

    /// The 64 zeros that stand for "no previous entry" at the start of an audit log.
    public static let zero = String(repeating: "0", count: 64)

    /// Whether `text` looks like a SHA-256 hex digest: exactly 64 lowercase hex digits.
    public static func isWellFormed(_ text: String) -> Bool {
        let utf8 = text.utf8
        return utf8.count == 64 && utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    static func hex(_ digest: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Base64 that accepts exactly one spelling of each byte string: standard alphabet, `=` padding, no line breaks,
/// and zero bits where the last character has unused bits. A changed character therefore always changes the bytes.
enum StrictBase64 {
    /// The bytes `text` encodes, or nil when it is not the canonical base64 of any byte string.
    static func decode(_ text: String) -> Data? {
        guard let data = Data(base64Encoded: text), data.base64EncodedString() == text else { return nil }
        return data
    }
}
