/// A run plan that cannot run, or a resume that would not be the same run; each names the field.
public enum PlanError: Error, Equatable, CustomStringConvertible {
    /// A field's value is out of range or cannot be read.
    case invalid(field: String, problem: String)
    /// A resume was given a plan that differs from the stored one in fields that change the computation or the
    /// privacy guarantee.
    case changed([PlanDifference])
    /// `--accept-changed` named a field that is not safe to change on a resume (or no field at all).
    case notSafeToChange(field: String, safe: [String])

    /// What is wrong, naming the field as the YAML does.
    public var description: String {
        switch self {
        case .invalid(let field, let problem):
            return "'\(field)' \(problem)"
        case .changed(let differences):
            return "the run's stored plan differs from the one given; resuming would not be the same run: "
                + differences.map(\.description).joined(separator: "; ")
                + " (start a new run under another name, or restore the settings)"
        case .notSafeToChange(let field, let safe):
            return "--accept-changed \(field): only fields that change neither the computation nor the privacy "
                + "guarantee may change on a resume: \(safe.joined(separator: ", "))"
        }
    }
}
