import ConcordNN
import ConcordSystem
import Testing

/// A model's size is counted from its name before it is built, and a run that would not fit in memory is refused
/// before anything is allocated.
@Suite("Models checked against memory before they are built")
struct ModelMemoryTests {
    static let shapes: [(String, [Int], Int)] = [
        ("logreg", [28, 28, 1], 10), ("mlp", [28, 28, 1], 10), ("mlp:64", [28, 28, 1], 10), ("cnn", [28, 28, 1], 10),
        ("logreg", [4, 4, 1], 3), ("mlp:7", [4, 4, 1], 3), ("cnn", [8, 12, 3], 5),
    ]

    @Test("the count from the name is the built model's count", arguments: shapes)
    func countedMatchesBuilt(name: String, inputShape: [Int], classes: Int) throws {
        let counted = try ModelZoo.parameterCount(name, inputShape: inputShape, classes: classes)
        let built = try ModelZoo.make(name, inputShape: inputShape, classes: classes, seed: 1)
        #expect(counted == built.parameterCount)
    }

    @Test("mlp:65536 has 4,347,133,962 parameters (784·65536 + 65536² + 65536·10 and the biases)")
    func widestMLPCount() throws {
        let count = try ModelZoo.parameterCount("mlp:65536", inputShape: [28, 28, 1], classes: 10)
        #expect(count == 784 * 65536 + 65536 + 65536 * 65536 + 65536 + 65536 * 10 + 10)
        #expect(count == 4_347_133_962)
    }

    @Test("mlp:65536 is refused by this machine's real budget: a run needs 69.6 GB")
    func widestMLPIsRefusedForReal() throws {
        let error = #expect(throws: ModelError.self) { try ModelZoo.make("mlp:65536", seed: 1) }
        guard case .insufficientMemory(let model, let parameters, let needed, _) = error else {
            Issue.record("expected .insufficientMemory, got \(String(describing: error))")
            return
        }
        #expect(model == "mlp:65536" && parameters == 4_347_133_962 && needed == 4_347_133_962 * 16)
        #expect(
            error?.description.hasPrefix(
                "model 'mlp:65536' has 4,347,133,962 parameters: a run needs 69.6 GB (4 copies of 4 bytes per "
                    + "parameter: weights, gradients, the optimizer's and the aggregation's) and ") == true,
            "\(String(describing: error))")
    }

    @Test("an injected budget one byte short refuses the paper's MLP; exactly enough builds it")
    func injectedBudget() throws {
        let needed = 199_210 * 4 * ModelZoo.runCopies
        let short = MemoryBudget(availableBytes: needed - 1, limitedBy: "a test's budget")
        #expect(
            throws: ModelError.insufficientMemory(model: "mlp", parameters: 199_210, neededBytes: needed, budget: short)
        ) {
            try ModelZoo.make("mlp", seed: 1, budget: short)
        }
        let model = try ModelZoo.make("mlp", seed: 1, budget: MemoryBudget(availableBytes: needed))
        #expect(model.parameterCount == 199_210)
    }

    @Test("a count that overflows is refused as such, not wrapped")
    func overflowIsRefused() {
        #expect(throws: ModelError.tooManyParameters(model: "mlp:65536", inputShape: [1 << 40, 1 << 20], classes: 10)) {
            try ModelZoo.parameterCount("mlp:65536", inputShape: [1 << 40, 1 << 20], classes: 10)
        }
        #expect(
            throws: ModelError.tooManyParameters(model: "logreg", inputShape: [1 << 31, 1 << 31], classes: 1 << 10)
        ) {
            try ModelZoo.checkFits("logreg", inputShape: [1 << 31, 1 << 31], classes: 1 << 10)
        }
    }

    @Test("the CNN on input that is not an image is a shape error, before any count")
    func cnnNeedsImages() {
        #expect(throws: ModelError.self) { try ModelZoo.parameterCount("cnn", inputShape: [784], classes: 10) }
    }
}
