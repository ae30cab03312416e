import Foundation

/// The JSON report `concord train --report FILE` writes.
struct TrainReport: JSONReport {
    struct Epoch: Encodable {
        var epoch: Int
        var loss: Double
        var testAccuracy: Double
        var testLoss: Double
        var seconds: Double

        enum CodingKeys: String, CodingKey {
            case epoch, loss, testAccuracy = "test_accuracy", testLoss = "test_loss", seconds
        }
    }

    var command = "train"
    var dataset: String
    var model: String
    var batchSize: Int
    var learningRate: Float
    var seed: UInt64
    var blasKernel: String
    var parameters: Int
    var epochs: [Epoch]
    var finalTestAccuracy: Double
    var wallSeconds: Double

    enum CodingKeys: String, CodingKey {
        case command, dataset, model, batchSize = "batch_size", learningRate = "lr", seed
        case blasKernel = "blas_kernel", parameters, epochs
        case finalTestAccuracy = "final_test_accuracy", wallSeconds = "wall_seconds"
    }
}
