extension Charter {
    /// Reads the charter at `path` and refuses it unless it is in force (every party has signed it).
    ///
    /// - Throws: the charter's reading errors; ``GovernanceFailure`` naming the missing or bad signatures.
    public static func inForce(at path: String) throws -> Charter {
        let charter = try Charter.read(at: path)
        let problems = charter.verifySignatures()
        guard problems.isEmpty else {
            throw GovernanceFailure("the charter '\(path)' is not in force: \(problems.joined(separator: "; "))")
        }
        return charter
    }
}
