import Foundation
import Testing

@testable import ConcordGovernance

/// Every kind of tampering makes the verifier fail and name the first bad entry.
@Suite struct AuditTamperTests {
    static func lines() throws -> [[UInt8]] {
        try Fixture.get().log.jsonLines.split(separator: 0x0a).map { Array($0) }
    }

    static func verify(_ lines: [[UInt8]], expectedHead: LogHead? = nil) throws -> VerificationReport {
        var data = Data()
        for line in lines {
            data.append(contentsOf: line)
            data.append(0x0a)
        }
        return AuditVerifier.verify(
            jsonLines: data, keys: try Fixture.get().charter.trustedKeys, expectedHead: expectedHead)
    }

    static func expectFailure(_ lines: [[UInt8]], at index: Int, _ what: String, containing text: String? = nil) throws
    {
        let report = try verify(lines)
        #expect(report.failure?.index == index, "\(what): \(report)")
        if let text { #expect(report.failure?.reason.contains(text) == true, "\(what): \(report)") }
    }

    static let fields = [
        "\"schema\":", "\"index\":", "\"timestamp\":", "\"kind\":", "\"payload\":", "\"previous\":", "\"witnesses\":",
        "\"receipts\":", "\"signature\":",
    ]

    /// One changed byte in each field's key and in its value, in the first entry, an entry with a receipt, an
    /// aggregate countersigned by three, and the seal.
    @Test("a changed byte in any field of any entry", arguments: [0, 3, 6, 16])
    func changedByteInEachField(entry: Int) throws {
        let original = try Self.lines()
        for field in Self.fields {
            let line = original[entry]
            // The entry's own signature is the last "signature" member (receipts hold others).
            let range =
                field == "\"signature\":"
                ? line.fieldRange(of: Array(field.utf8), last: true)
                : line.fieldRange(of: Array(field.utf8), last: false)
            let keyRange = try #require(range, "\(field) in entry \(entry)")
            for position in [keyRange.lowerBound + 2, keyRange.upperBound + 1, keyRange.upperBound + 6]
            where position < line.count - 1 {
                var lines = original
                lines[entry][position] ^= 0x01
                try Self.expectFailure(lines, at: entry, "flip at \(position) of \(field) in entry \(entry)")
            }
        }
    }

    /// Changed bytes anywhere in the file (a fixed pseudo-random sample, including newlines).
    @Test func changedBytesAnywhere() throws {
        let original = try Self.lines()
        var file: [UInt8] = []
        for line in original { file += line + [0x0a] }
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var positions = Set<Int>()
        while positions.count < 40 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            positions.insert(Int(state >> 33) % file.count)
        }
        positions.insert(file.count - 1)  // the final newline: the seal's line gets a trailing byte
        for position in positions.sorted() {
            var tampered = file
            tampered[position] ^= 0x01
            let entry = file[..<position].filter { $0 == 0x0a }.count
            let report = AuditVerifier.verify(jsonLines: Data(tampered), keys: try Fixture.get().charter.trustedKeys)
            #expect(report.failure?.index == entry, "flip at byte \(position): \(report)")
        }
    }

    @Test func deletedEntries() throws {
        let original = try Self.lines()
        for deleted in [0, 5, 15] {
            var lines = original
            lines.remove(at: deleted)
            try Self.expectFailure(lines, at: deleted, "deleted \(deleted)", containing: "deleted, inserted or moved")
        }
    }

    @Test func reorderedEntries() throws {
        let original = try Self.lines()
        for first in [0, 7, 15] {
            var lines = original
            lines.swapAt(first, first + 1)
            try Self.expectFailure(lines, at: first, "swapped \(first)")
        }
        var moved = original
        moved.append(moved.remove(at: 2))  // an entry moved to the end
        try Self.expectFailure(moved, at: 2, "moved to the end")
    }

    @Test func insertedEntries() throws {
        let example = try Fixture.get()
        let original = try Self.lines()
        var duplicated = original
        duplicated.insert(original[4], at: 5)
        try Self.expectFailure(duplicated, at: 5, "duplicate inserted")

        // A well-formed, correctly chained entry signed by someone else.
        var forged = AuditEntry(
            index: 5, timestamp: example.log.entries[5].timestamp, kind: .updateReceived,
            payload: .object(["round": .integer(1), "participant": .string("mallory")]),
            previousHash: example.log.entries[4].hash)
        forged.signature = try SigningIdentity.generate().sign(forged.bodyBytes)
        var inserted = original
        inserted.insert(forged.line.canonicalBytes, at: 5)
        try Self.expectFailure(inserted, at: 5, "forged insert", containing: "coordinator's signature is invalid")

        var appended = original
        appended.append(original[16])
        try Self.expectFailure(appended, at: 17, "after the seal")
    }

    @Test func truncatedLogs() throws {
        let original = try Self.lines()
        for kept in [16, 10, 1] {
            try Self.expectFailure(Array(original.prefix(kept)), at: kept, "kept \(kept)", containing: "truncated")
        }
        #expect(try Self.verify([]).failure?.index == 0)
    }

    /// The coordinator itself rewrites history: a shorter, re-sealed log with valid signatures. Only the head
    /// the participants co-signed in the release exposes it.
    @Test func aResealedShorterLogFailsAgainstTheReleasedHead() throws {
        let example = try Fixture.get()
        let shorter = try GovernanceExample.make(
            seed: 7, participantCount: 3, rounds: 1, quorum: 2, aggregateWitnesses: true
        ).log
        let keys = example.charter.trustedKeys
        #expect(AuditVerifier.verify(shorter, keys: keys).isValid)
        let report = AuditVerifier.verify(shorter, keys: keys, expectedHead: example.release.manifest.auditHead)
        #expect(report.failure?.index == shorter.entries.count, "\(report)")
        let longer = AuditVerifier.verify(
            example.log, keys: keys, expectedHead: LogHead(entries: 10, hash: example.log.entries[9].hash))
        #expect(longer.failure?.index == 10, "\(longer)")
        let otherHead = AuditVerifier.verify(
            example.log, keys: keys, expectedHead: LogHead(entries: 17, hash: SHA256Hex.zero))
        #expect(otherHead.failure?.index == 16, "\(otherHead)")
    }

    @Test func forgedCoordinatorSignature() throws {
        let example = try Fixture.get()
        for index in [0, 8, 16] {
            var entries = example.log.entries
            entries[index].signature = try SigningIdentity.generate().sign(entries[index].bodyBytes)
            let report = AuditVerifier.verify(AuditLog(entries: entries), keys: example.charter.trustedKeys)
            #expect(report.failure?.index == index, "\(report)")
            #expect(report.failure?.reason == "the coordinator's signature is invalid")
            entries[index].signature = nil
            let unsigned = AuditVerifier.verify(AuditLog(entries: entries), keys: example.charter.trustedKeys)
            #expect(unsigned.failure?.index == index, "\(unsigned)")
        }
        // Another entry's valid signature moved onto this one.
        var entries = example.log.entries
        entries[9].signature = entries[10].signature
        #expect(AuditVerifier.verify(AuditLog(entries: entries), keys: example.charter.trustedKeys).failure?.index == 9)
    }

    /// Only the coordinator can make a chain whose anchor verifies; a bad signature it sealed into its own log is
    /// found when every signature is checked.
    @Test func everySignatureFindsABadSignatureTheCoordinatorSealedIn() throws {
        let example = try Fixture.get()
        var entries: [AuditEntry] = []
        for (i, original) in example.log.entries.enumerated() {
            var entry = original
            entry.previousHash = entries.last?.hash ?? SHA256Hex.zero
            entry.signature = try example.coordinator.sign(i == 8 ? Array("other bytes".utf8) : entry.bodyBytes)
            entry.receipts = try example.participants.filter { entry.witnesses.contains($0.name) }.map { participant in
                let bytes = Receipt.signedBytes(participant: participant.name, index: i, entryHash: entry.hash)
                return Receipt(
                    participant: participant.name, index: i, entryHash: entry.hash,
                    signature: try participant.identity.sign(bytes))
            }
            entries.append(entry)
        }
        let log = AuditLog(entries: entries)
        let keys = example.charter.trustedKeys
        #expect(AuditVerifier.verify(log, keys: keys).isValid)
        let thorough = AuditVerifier.verify(log, keys: keys, everySignature: true)
        #expect(thorough.failure?.index == 8, "\(thorough)")
        #expect(thorough.failure?.reason == "the coordinator's signature is invalid")
    }

    @Test func forgedSignatureIsFoundInBothModes() throws {
        let example = try Fixture.get()
        var entries = example.log.entries
        entries[8].signature = try SigningIdentity.generate().sign(entries[8].bodyBytes)
        for every in [false, true] {
            let report = AuditVerifier.verify(
                AuditLog(entries: entries), keys: example.charter.trustedKeys, everySignature: every)
            #expect(report.failure?.index == 8, "\(report)")
        }
    }

    @Test func forgedReceipts() throws {
        let example = try Fixture.get()
        let keys = example.charter.trustedKeys
        let update = 3, aggregate = 6
        let bytes = Receipt.signedBytes(
            participant: "participant-0", index: update, entryHash: example.log.entries[update].hash)

        var entries = example.log.entries
        entries[update].receipts[0].signature = try example.participants[1].identity.sign(bytes)
        var report = AuditVerifier.verify(AuditLog(entries: entries), keys: keys)
        #expect(report.failure?.index == update, "\(report)")
        #expect(report.failure?.reason == "the receipt of 'participant-0' is invalid")

        entries = example.log.entries
        entries[aggregate].receipts[1].signature = entries[aggregate].receipts[0].signature
        report = AuditVerifier.verify(AuditLog(entries: entries), keys: keys)
        #expect(report.failure?.index == aggregate, "\(report)")

        entries = example.log.entries
        entries[aggregate].receipts.remove(at: 2)
        report = AuditVerifier.verify(AuditLog(entries: entries), keys: keys)
        #expect(report.failure?.reason == "no receipt from the witness 'participant-2'", "\(report)")
        #expect(report.failure?.index == aggregate)

        entries = example.log.entries
        var stray = entries[update].receipts[0]
        stray.participant = "mallory"
        entries[update].receipts.append(stray)
        report = AuditVerifier.verify(AuditLog(entries: entries), keys: keys)
        #expect(report.failure?.index == update, "\(report)")
    }

    @Test func receiptsKeptByParticipantsMustMatch() throws {
        let example = try Fixture.get()
        let keys = example.charter.trustedKeys
        let held = try #require(example.log.entries[10].receipts.first)
        #expect(AuditVerifier.verify(example.log, keys: keys, heldReceipts: [held]).isValid)
        var changed = held
        changed.entryHash = example.log.entries[9].hash
        #expect(AuditVerifier.verify(example.log, keys: keys, heldReceipts: [changed]).failure?.index == 10)
        let rewritten = try GovernanceExample.make(
            seed: 7, participantCount: 3, rounds: 1, quorum: 2, aggregateWitnesses: true
        ).log
        #expect(AuditVerifier.verify(rewritten, keys: keys, heldReceipts: [held]).failure?.index == 10)
    }

    @Test func wrongKeysFailAtTheFirstEntry() throws {
        let example = try Fixture.get()
        var keys = example.charter.trustedKeys
        keys.coordinator = SigningIdentity.generate().publicKey
        #expect(AuditVerifier.verify(example.log, keys: keys).failure?.index == 0)
    }
}

extension Array where Element == UInt8 {
    /// The first (or last) range of `needle`.
    func fieldRange(of needle: [UInt8], last: Bool) -> Range<Int>? {
        guard needle.count <= count else { return nil }
        let forward = [Int](0...(count - needle.count))
        let starts: [Int] = last ? forward.reversed() : forward
        for start in starts
        where self[start..<(start + needle.count)].elementsEqual(needle) {
            return start..<(start + needle.count)
        }
        return nil
    }
}
