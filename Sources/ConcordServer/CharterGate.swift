import ConcordData
import ConcordGovernance
import ConcordPlan

/// The check `concord serve --charter` makes before it listens: the charter is in force (every party signed
/// it) and permits the run the plan describes, or the coordinator refuses to start, naming the charter clause
/// the run breaks.
public enum CharterGate {
    /// Loads the charter at `path` and checks the plan's run against it.
    ///
    /// - Throws: ``ConcordGovernance/GovernanceFailure`` naming the unsigned parties or the clause the run breaks;
    ///   the evaluation data's and the model's errors.
    /// - Returns: the charter.
    @discardableResult
    public static func check(charterAt path: String, plan: RunPlan, participants: [String] = []) throws -> Charter {
        let charter = try Charter.inForce(at: path)
        if let stranger = participants.first(where: { charter.participant(named: $0) == nil }) {
            throw GovernanceFailure(
                "the charter '\(path)' does not permit this run: clause participants: '\(stranger)' is not a party to "
                    + "the charter (its parties: \(charter.participants.map(\.name).joined(separator: ", ")))")
        }
        // The layout depends only on the model and the evaluation data's shape, not on the weights' seed.
        let test = try DatasetSource(argument: plan.dataset).loadTest()
        let network = try plan.makeModel(inputShape: test.exampleShape, classes: test.classCount, seed: plan.seed ?? 1)
        do {
            try charter.check(plan.runRequest(layout: network.layout))
        } catch {
            throw GovernanceFailure("the charter '\(path)' does not permit this run: \(error)")
        }
        return charter
    }
}
