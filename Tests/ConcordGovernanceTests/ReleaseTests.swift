import Foundation
import Testing

@testable import ConcordGovernance

@Suite struct ReleaseTests {
    @Test func aQuorumReleaseIsAccepted() throws {
        let example = try Fixture.get()
        let verdict = ReleaseVerifier.verify(example.release, modelBytes: example.model, charter: example.charter)
        #expect(verdict.accepted, "\(verdict)")
        #expect(verdict.validParticipants == ["participant-0", "participant-1"])
    }

    @Test func belowQuorumIsRefused() throws {
        let example = try Fixture.get()
        var release = example.release
        release.signatures["participant-1"] = nil
        let verdict = ReleaseVerifier.verify(release, modelBytes: example.model, charter: example.charter)
        #expect(!verdict.accepted)
        #expect(verdict.problems == ["no quorum: 1 valid participant signature(s), the charter requires 2 of 3"])
    }

    @Test func oneChangedModelByteIsRefused() throws {
        let example = try Fixture.get()
        for position in [0, example.model.count / 2, example.model.count - 1] {
            var model = example.model
            model[position] ^= 0x01
            let verdict = ReleaseVerifier.verify(example.release, modelBytes: model, charter: example.charter)
            #expect(!verdict.accepted)
            #expect(verdict.problems.count == 1 && verdict.problems[0].hasPrefix("the model file"), "\(verdict)")
        }
        var longer = example.model
        longer.append(0)
        #expect(!ReleaseVerifier.verify(example.release, modelBytes: longer, charter: example.charter).accepted)
    }

    @Test func forgedOrForeignSignaturesAreRefused() throws {
        let example = try Fixture.get()
        var release = example.release
        release.signatures["participant-2"] = release.signatures["participant-0"]  // not participant-2's
        #expect(!ReleaseVerifier.verify(release, modelBytes: example.model, charter: example.charter).accepted)

        release = example.release
        release.signatures["mallory"] = try SigningIdentity.generate().sign(release.manifest.canonicalBytes)
        #expect(!ReleaseVerifier.verify(release, modelBytes: example.model, charter: example.charter).accepted)

        release = example.release
        release.signatures[GovernanceExample.coordinatorName] = nil
        let verdict = ReleaseVerifier.verify(release, modelBytes: example.model, charter: example.charter)
        #expect(verdict.problems == ["the coordinator 'coordinator' has not signed"])

        // A changed manifest (more ε than was spent, say) invalidates every signature.
        release = example.release
        release.manifest.rounds = 1
        #expect(!ReleaseVerifier.verify(release, modelBytes: example.model, charter: example.charter).accepted)
    }

    @Test func theCharterMustBeInForceAndTheSameOne() throws {
        let example = try Fixture.get()
        var charter = example.charter
        charter.signatures["participant-2"] = nil
        let verdict = ReleaseVerifier.verify(example.release, modelBytes: example.model, charter: charter)
        #expect(verdict.problems == ["the charter is not in force: participant 'participant-2' has not signed"])
        let other = try GovernanceExample.make(seed: 8, participantCount: 3, rounds: 2, quorum: 2)
        #expect(!ReleaseVerifier.verify(example.release, modelBytes: example.model, charter: other.charter).accepted)
    }

    @Test func releaseFilesAndDetachedSignaturesRoundTrip() throws {
        let example = try Fixture.get()
        let reread = try SignedRelease(fileText: example.release.fileText)
        #expect(reread == example.release)
        var unsigned = SignedRelease(
            manifest: example.release.manifest,
            signatures: example.release.signatures.filter { $0.key == GovernanceExample.coordinatorName })
        for participant in example.participants.suffix(2) {
            let detached = try SignedRelease.detachedSignature(
                of: unsigned.manifest, as: participant.name, with: participant.identity)
            try unsigned.attach(DetachedSignature(fileText: detached.fileText))
        }
        #expect(ReleaseVerifier.verify(unsigned, modelBytes: example.model, charter: example.charter).accepted)
        let charterSignature = try example.charter.sign(with: example.participants[0].identity)
        #expect(throws: ReleaseError.self) { try unsigned.attach(charterSignature) }
        #expect(throws: ReleaseError.self) { try SignedRelease(fileText: "{\"manifest\":{}}") }
        #expect(throws: ReleaseError.self) { try SignedRelease(fileText: "not json") }
    }
}
