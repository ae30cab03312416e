import Foundation
import Testing

/// End-to-end tests of `concord privacy`.
@Suite("concord privacy")
struct PrivacyCommandTests {
    static let epsilonArguments = [
        "privacy", "epsilon", "--q", "0.01", "--noise-multiplier", "1.0", "--steps", "1000", "--delta", "1e-5",
    ]

    @Test func epsilonPrintsTheDPAccountingValue() async throws {
        // dp_accounting: ε = 2.10137 at δ = 1e-5 for q = 0.01, z = 1, 1000 steps.
        let result = try await Concord.run(Self.epsilonArguments)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("ε = 2.101"), "stdout: \(result.stdout)")
        #expect(result.stdout.contains("order 7.8"), "stdout: \(result.stdout)")
    }

    @Test func noiseInvertsEpsilon() async throws {
        let epsilonResult = try await Concord.run(Self.epsilonArguments + ["--json"])
        #expect(epsilonResult.status == 0, "stderr: \(epsilonResult.stderr)")
        let epsilonJSON = try #require(
            try JSONSerialization.jsonObject(with: Data(epsilonResult.stdout.utf8)) as? [String: Any])
        let epsilon = try #require(epsilonJSON["epsilon"] as? Double)
        #expect(abs(epsilon - 2.10137) < 1e-3)
        #expect(epsilonJSON["order"] as? Double == 7.8)

        let noiseResult = try await Concord.run([
            "privacy", "noise", "--q", "0.01", "--steps", "1000", "--delta", "1e-5", "--epsilon", "\(epsilon)",
            "--json",
        ])
        #expect(noiseResult.status == 0, "stderr: \(noiseResult.stderr)")
        let noiseJSON = try #require(
            try JSONSerialization.jsonObject(with: Data(noiseResult.stdout.utf8)) as? [String: Any])
        let z = try #require(noiseJSON["noise_multiplier"] as? Double)
        #expect(z >= 1 && z <= 1.0001, "noise multiplier \(z) should invert ε(z = 1)")
        #expect((noiseJSON["achieved_epsilon"] as? Double ?? .infinity) <= epsilon)

        let text = try await Concord.run([
            "privacy", "noise", "--q", "0.01", "--steps", "1000", "--delta", "1e-5", "--epsilon", "2.10137",
        ])
        #expect(text.stdout.hasPrefix("noise multiplier 1.0 "), "stdout: \(text.stdout)")
    }

    @Test(arguments: [
        ["privacy", "epsilon", "--q", "1.5", "--noise-multiplier", "1", "--steps", "10", "--delta", "1e-5"],
        ["privacy", "epsilon", "--q", "0.1", "--noise-multiplier", "0", "--steps", "10", "--delta", "1e-5"],
        ["privacy", "epsilon", "--q", "0.1", "--noise-multiplier", "1", "--steps", "0", "--delta", "1e-5"],
        ["privacy", "epsilon", "--q", "0.1", "--noise-multiplier", "1", "--steps", "10", "--delta", "1"],
        ["privacy", "noise", "--q", "0.1", "--steps", "10", "--delta", "1e-5", "--epsilon", "-1"],
        ["privacy", "noise", "--q", "0.1", "--steps", "10", "--delta", "1e-5"],
    ])
    func invalidOptionsAreRejected(arguments: [String]) async throws {
        let result = try await Concord.run(arguments)
        #expect(result.status != 0)
        #expect(result.stderr.contains("Error"), "stderr: \(result.stderr)")
    }

    @Test func anUnreachableBudgetIsAClearError() async throws {
        let result = try await Concord.run([
            "privacy", "noise", "--q", "1", "--steps", "1", "--delta", "1e-9", "--epsilon", "1e-4",
        ])
        #expect(result.status != 0)
        #expect(result.stderr.contains("cannot be met"), "stderr: \(result.stderr)")
    }
}
