import ConcordSystem
import Crypto
import Foundation

/// The per-participant tokens that admit Flower clients, and the challenge each client answers with its own.
///
/// Flower's client cannot present a client certificate (it takes only `root_certificates`), so a Flower
/// participant proves its name with a token instead: `concord certs issue --node NAME --flower-token` writes it.
/// A token is `hex(HMAC-SHA256(secret, "concord-flower-token-v1:" + NAME))` under the federation's token
/// secret (32 random bytes, hex, in a file of mode 0600 that the coordinator reads): the coordinator needs no
/// list of tokens, and a token admits one name only.
///
/// At admission the coordinator sends a fresh random challenge in a `GetPropertiesIns`; the client's
/// `get_properties` answers with `concord_participant` (its name) and `concord_answer`,
/// `hex(HMAC-SHA256(key: token, challenge))`. The token itself never travels.
public struct FlowerTokens: Sendable {
    private let secret: SymmetricKey

    /// The property key of the challenge the coordinator sends.
    public static let challengeKey = "concord_challenge"
    /// The property key of the name the client answers with.
    public static let participantKey = "concord_participant"
    /// The property key of the client's answer to the challenge.
    public static let answerKey = "concord_answer"

    /// Tokens under `secret` (its bytes).
    init(secret: [UInt8]) { self.secret = SymmetricKey(data: secret) }

    /// Reads the token secret from `path` (64 hex digits, written by ``createSecret(at:)``).
    ///
    /// - Parameter allowInsecurePermissions: accept a file its group or others may read.
    /// - Throws: ``WireError/security(_:)`` when the file cannot be read, is readable by others, or does not
    ///   hold a secret.
    public init(secretFile path: String, allowInsecurePermissions: Bool = false) throws(WireError) {
        do {
            try SecretFile.checkPrivate(path, allowInsecure: allowInsecurePermissions)
        } catch {
            throw .security("\(error)")
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw .security("cannot read the Flower token secret '\(path)'")
        }
        guard let bytes = Self.bytes(hex: text.trimmingCharacters(in: .whitespacesAndNewlines)), bytes.count == 32
        else {
            throw .security(
                "'\(path)' does not hold a Flower token secret (64 hex digits); `concord certs issue --flower-token` "
                    + "writes one")
        }
        self.init(secret: bytes)
    }

    /// Writes a new random secret to `path` (mode 0600), refusing to replace one.
    ///
    /// - Throws: ``WireError/security(_:)`` when the file exists or cannot be written.
    public static func createSecret(at path: String) throws(WireError) {
        var generator = SystemRandomNumberGenerator()  // the system's CSPRNG
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        do {
            try SecretFile.write(hex(bytes) + "\n", to: path)
        } catch {
            throw .security("\(error)")
        }
    }

    /// Writes a participant's token to `path` (mode 0600), refusing to replace a file.
    ///
    /// - Throws: ``WireError/security(_:)`` when the file exists or cannot be written.
    public static func writeToken(_ token: String, to path: String) throws(WireError) {
        do {
            try SecretFile.write(token + "\n", to: path)
        } catch {
            throw .security("\(error)")
        }
    }

    /// The token of participant `name`.
    public func token(for name: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("concord-flower-token-v1:\(name)".utf8), using: secret)
        return Self.hex(Array(mac))
    }

    /// A fresh challenge: 32 random bytes from the system's CSPRNG, hex.
    static func challenge() -> String {
        var generator = SystemRandomNumberGenerator()
        return hex((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    /// Whether `answer` is participant `name`'s answer to `challenge` (compared in constant time).
    func accepts(_ answer: String, from name: String, to challenge: String) -> Bool {
        guard let given = Self.bytes(hex: answer), given.count == 32 else { return false }
        let key = SymmetricKey(data: Data(token(for: name).utf8))
        return HMAC<SHA256>.isValidAuthenticationCode(given, authenticating: Data(challenge.utf8), using: key)
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    static func bytes(hex text: String) -> [UInt8]? {
        let characters = Array(text.utf8)
        guard characters.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(characters.count / 2)
        var index = 0
        while index < characters.count {
            guard let high = nibble(characters[index]), let low = nibble(characters[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }
}
