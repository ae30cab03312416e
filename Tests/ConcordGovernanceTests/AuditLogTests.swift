import Foundation
import Testing

@testable import ConcordGovernance

@Suite struct AuditLogTests {
    @Test func aCompleteLogVerifies() throws {
        let example = try Fixture.get()
        let report = AuditVerifier.verify(example.log, keys: example.charter.trustedKeys)
        #expect(report.isValid, "\(report)")
        #expect(report.entries == 17)
        #expect(report.sealed)
        #expect(report.head == example.log.head)
        #expect(report.coordinatorSignaturesVerified == 1)
        #expect(report.receiptsVerified == 2 * (3 + 3))
        let thorough = AuditVerifier.verify(example.log, keys: example.charter.trustedKeys, everySignature: true)
        #expect(thorough.isValid, "\(thorough)")
        #expect(thorough.coordinatorSignaturesVerified == 17)
        let againstRelease = AuditVerifier.verify(
            example.log, keys: example.charter.trustedKeys, expectedHead: example.release.manifest.auditHead)
        #expect(againstRelease.isValid, "\(againstRelease)")
    }

    @Test func jsonLinesRoundTrip() throws {
        let log = try Fixture.get().log
        let data = log.jsonLines
        #expect(try AuditLog(jsonLines: data) == log)
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == log.entries.count)
        for (line, entry) in zip(lines, log.entries) {
            #expect(String(line) == entry.line.canonicalText)
        }
    }

    @Test func chainAndPayloads() throws {
        let log = try Fixture.get().log
        #expect(log.entries[0].previousHash == SHA256Hex.zero)
        for i in 1..<log.entries.count { #expect(log.entries[i].previousHash == log.entries[i - 1].hash) }
        // The hash covers the coordinator's signature: the signed entry is the body plus "signature".
        let entry = log.entries[5]
        #expect(entry.hash == SHA256Hex.of(entry.signedEntry.canonicalBytes))
        #expect(entry.signedEntry["signature"] == .string(entry.signature?.base64 ?? ""))
        #expect(entry.isSigned(by: try Fixture.get().coordinator.publicKey))
        #expect(log.entries[0].kind == .runStarted)
        #expect(log.entries.last?.kind == .sealed)
        #expect(log.entries.last?.payload == .object(["entries": .integer(17)]))
        let update = log.entries[3]
        #expect(update.kind == .updateReceived)
        #expect(update.witnesses == ["participant-0"])
        #expect(update.receipts.map(\.participant) == ["participant-0"])
        #expect(AuditEntry.isTimestamp(log.entries[0].timestamp), "\(log.entries[0].timestamp)")
    }

    @Test func aSealedLogTakesNoMoreEntries() throws {
        var log = try Fixture.get().log
        #expect(throws: AuditLogError.self) {
            try log.append(.modelReleased(modelHash: SHA256Hex.zero, round: 3), signedBy: .generate())
        }
    }

    @Test func receiptsAreCheckedWhenMadeAndAttached() throws {
        let example = try Fixture.get()
        var log = example.log
        let entry = log.entries[3]
        let p1 = example.participants[1]
        // participant-1 is not a witness of participant-0's update.
        #expect(throws: AuditLogError.self) {
            try Receipt.countersign(entry, as: p1.name, with: p1.identity, coordinator: example.coordinator.publicKey)
        }
        // A participant does not countersign an entry the coordinator did not sign.
        var unsigned = entry
        unsigned.signature = nil
        #expect(throws: AuditLogError.self) {
            try Receipt.countersign(
                unsigned, as: "participant-0", with: example.participants[0].identity,
                coordinator: example.coordinator.publicKey)
        }
        let existing = try #require(entry.receipts.first)
        #expect(throws: AuditLogError.self) { try log.attach(existing) }  // already there
        var stray = existing
        stray.participant = p1.name
        #expect(throws: AuditLogError.self) { try log.attach(stray) }  // not a witness
        stray = existing
        stray.entryHash = SHA256Hex.zero
        #expect(throws: AuditLogError.self) { try log.attach(stray) }  // another entry
        stray.index = 99
        #expect(throws: AuditLogError.self) { try log.attach(stray) }  // no such entry
        #expect(existing.isValid(for: example.participants[0].identity.publicKey))
        #expect(try Receipt(canonicalValue: existing.canonicalValue) == existing)
    }

    @Test func anUnfinishedLogVerifiesOnlyWhenAllowed() throws {
        let example = try Fixture.get()
        var log = AuditLog()
        try log.append(
            .participantsChosen(round: 1, participants: [0, 1]), signedBy: example.coordinator)
        let strict = AuditVerifier.verify(log, keys: example.charter.trustedKeys)
        #expect(strict.failure?.index == 1)
        let lenient = AuditVerifier.verify(log, keys: example.charter.trustedKeys, requireSeal: false)
        #expect(lenient.isValid, "\(lenient)")
        #expect(AuditVerifier.verify(AuditLog(), keys: example.charter.trustedKeys).failure?.index == 0)
    }
}
