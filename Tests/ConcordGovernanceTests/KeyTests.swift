import Foundation
import Testing

@testable import ConcordGovernance

@Suite struct KeyTests {
    @Test func signAndVerify() throws {
        let identity = SigningIdentity.generate()
        let signature = try identity.sign(Array("hello".utf8))
        #expect(identity.publicKey.isValidSignature(signature, for: Array("hello".utf8)))
        #expect(!identity.publicKey.isValidSignature(signature, for: Array("hellO".utf8)))
        #expect(!SigningIdentity.generate().publicKey.isValidSignature(signature, for: Array("hello".utf8)))
    }

    @Test func rfc8032TestVector1() throws {
        // RFC 8032 section 7.1, TEST 1: the empty message.
        let secret = try #require(Data(hexString: "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"))
        let identity = try SigningIdentity(rawRepresentation: secret)
        #expect(
            identity.publicKey.rawRepresentation
                == Data(hexString: "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"))
        let expected = try Signature(
            rawRepresentation: #require(
                Data(
                    hexString: "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
                        + "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")))
        #expect(identity.publicKey.isValidSignature(expected, for: Data()))
    }

    @Test func simulatedKeysAreDeterministicAndDistinct() {
        let a = SigningIdentity.simulated(seed: 1, participant: "a")
        #expect(a.publicKey == SigningIdentity.simulated(seed: 1, participant: "a").publicKey)
        #expect(a.publicKey != SigningIdentity.simulated(seed: 2, participant: "a").publicKey)
        #expect(a.publicKey != SigningIdentity.simulated(seed: 1, participant: "b").publicKey)
    }

    @Test func keyFilesRoundTrip() throws {
        let identity = SigningIdentity.generate()
        let prefix = FileManager.default.temporaryDirectory.appendingPathComponent("concord-key-\(UUID())").path
        let paths = try KeyFile.write(identity, prefix: prefix)
        defer {
            try? FileManager.default.removeItem(atPath: paths.privateKey)
            try? FileManager.default.removeItem(atPath: paths.publicKey)
        }
        #expect(try KeyFile.readIdentity(at: paths.privateKey).publicKey == identity.publicKey)
        #expect(try KeyFile.readPublicKey(at: paths.publicKey) == identity.publicKey)
        #expect(try KeyFile.readPublicKey(at: paths.privateKey) == identity.publicKey)
        let attributes = try FileManager.default.attributesOfItem(atPath: paths.privateKey)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(throws: KeyError.self) { try KeyFile.write(identity, prefix: prefix) }
        #expect(throws: KeyError.self) { try KeyFile.readIdentity(at: paths.publicKey) }
    }

    @Test(
        "malformed key files are refused with a reason",
        arguments: [
            "", "concord-ed25519-public-key-v1\n", "concord-ed25519-public-key-v1\nnot base64!\n",
            "concord-ed25519-public-key-v1\nAAAA\n", "ssh-ed25519 AAAA\n",
            "concord-ed25519-public-key-v1\n11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\nextra\n",
            // Non-zero padding bits: decodes to the same bytes, but is not the canonical spelling.
            "concord-ed25519-public-key-v1\n11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURp=\n",
        ])
    func malformedPublicKeys(text: String) {
        #expect(throws: KeyError.self) { try KeyFile.publicKey(fromText: text) }
    }

    @Test func canonicalPublicKeyFileParses() throws {
        let text = "concord-ed25519-public-key-v1\n11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n"
        let key = try KeyFile.publicKey(fromText: text)
        #expect(
            key.rawRepresentation == Data(hexString: "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
        )
        #expect(KeyFile.text(of: key) == text)
    }
}

extension Data {
    init?(hexString: String) {
        var bytes: [UInt8] = []
        var iterator = hexString.utf8.makeIterator()
        while let high = iterator.next() {
            guard let low = iterator.next(), let h = UInt8(String(UnicodeScalar(high)), radix: 16),
                let l = UInt8(String(UnicodeScalar(low)), radix: 16)
            else { return nil }
            bytes.append(h << 4 | l)
        }
        self.init(bytes)
    }
}

@Suite struct DocumentedVectorTests {
    /// The vectors of Docs/governance-encoding.md, computed independently with Python's hashlib and cryptography.
    @Test func simulatedKeyVector() {
        let identity = SigningIdentity.simulated(seed: 1, participant: "participant-0")
        #expect(identity.rawRepresentation.base64EncodedString() == "4TEVzmsd6uWoZ1WlHpVHAQw1x232upujOyn6w+ihEz8=")
        #expect(identity.publicKey.base64 == "3cix6C7+Fr3hJByyO3ZBInbvqqVfAspxDVqMmu6gBzQ=")
    }

    @Test func canonicalEncodingVector() {
        let value = CanonicalValue.object([
            "b": .array([.integer(1), .string("x\né"), .null, .bool(true)]),
            "a": .object(["z": .real(1e-5), "y": .integer(-3)]),
        ])
        #expect(value.canonicalText == "{\"a\":{\"y\":-3,\"z\":\"1e-05\"},\"b\":[1,\"x\\né\",null,true]}")
        #expect(value.canonicalBytes.count == 52)
        #expect(value.sha256 == "c5c32983e5937ef751b736fb98dbc4b661b8a5b51b61e0f841f2ee06b0ef7ac3")
    }
}
