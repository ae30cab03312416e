import Foundation
import Testing

@testable import ConcordPrivacy

/// Log-space arithmetic, against direct evaluation and high-precision values (mpmath, 40 digits).
@Suite("Log-space arithmetic")
struct LogSpaceTests {
    @Test func addingMatchesDirectEvaluationAndHandlesZero() {
        #expect(abs(LogSpace.add(log(2), log(3)) - log(5)) < 1e-15)
        #expect(LogSpace.add(-.infinity, 1.5) == 1.5)
        #expect(LogSpace.add(1.5, -.infinity) == 1.5)
        #expect(LogSpace.add(-.infinity, -.infinity) == -.infinity)
        #expect(LogSpace.add(.infinity, .infinity) == .infinity)
        #expect(abs(LogSpace.add(1000, 1000) - (1000 + log(2))) < 1e-12, "no overflow")
    }

    @Test func subtractingGivesSignAndMagnitude() {
        let positive = LogSpace.subtract(log(5), log(3))
        #expect(positive.isNonNegative && abs(positive.magnitude - log(2)) < 1e-15)
        let negative = LogSpace.subtract(log(3), log(5))
        #expect(!negative.isNonNegative && abs(negative.magnitude - log(2)) < 1e-15)
        #expect(LogSpace.subtract(2, 2) == (true, -.infinity))
        #expect(LogSpace.subtract(1, -.infinity) == (true, 1))
    }

    @Test(arguments: [
        (0.5, -0.73501112983708440303), (5, -27.200889545537434422), (19.999, -403.52929445708931516),
        (20, -403.56934333410423496), (26, -679.83119976319423026), (30, -903.97411711064387808),
        (100, -10005.177585122664333), (1e4, -100000009.7827053199),
    ])
    func logErfcIsAccurateInTheFarTail(x: Double, expected: Double) {
        #expect(abs(LogSpace.logErfc(x) - expected) <= 1e-14 * abs(expected), "x = \(x)")
    }

    @Test func logErfcAtTheEnds() {
        #expect(LogSpace.logErfc(-.infinity) == log(2))
        #expect(LogSpace.logErfc(.infinity) == -.infinity)
        #expect(LogSpace.logErfc(0) == 0)
    }

    @Test func logBinomialForIntegerAndFractionalArguments() {
        #expect(abs(LogSpace.logBinomial(10, 3) - log(120)) < 1e-13)
        #expect(LogSpace.logBinomial(5, 7) == -.infinity, "C(5, 7) = 0")
        // |C(2.5, 4)| = |2.5 · 1.5 · 0.5 · (−0.5)| / 24 = 0.0390625
        #expect(abs(LogSpace.logBinomial(2.5, 4) - log(0.0390625)) < 1e-13)
    }
}
