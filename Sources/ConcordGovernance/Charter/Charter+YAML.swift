import Foundation
import Yams

extension Charter {
    /// Reads a charter from its YAML text (schema `concord.charter/v1`; see `Docs/governance-encoding.md`).
    ///
    /// Unknown fields, duplicate keys, YAML aliases and any schema but ``schema`` are refused, so a typo never
    /// passes silently. An optional `signatures:` section maps participant names to base64 signatures.
    ///
    /// - Throws: ``CharterError`` naming the field and line of the first problem.
    public init(yaml text: String) throws(CharterError) {
        // Before Yams composes the text: composing an alias bomb hashes its expansion, and reading it walks it.
        let summary: YAMLGuard.Summary
        do {
            summary = try YAMLGuard.check(text)
        } catch {
            throw CharterError(field: nil, line: error.line, reason: error.reason)
        }
        if let line = summary.firstAliasLine {
            throw CharterError(
                field: nil, line: line, reason: "YAML aliases are not allowed in a charter; write the value out")
        }
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw CharterError(field: nil, reason: "the file is empty; expected a YAML charter")
            }
            root = node
        } catch let error as CharterError {
            throw error
        } catch let error as YamlError {
            throw Self.located(error)
        } catch {
            throw CharterError(field: nil, reason: "not valid YAML: \(error)")
        }
        var reader = CharterYAMLReader()
        let top = try reader.mapping(
            root, field: "",
            known: ["schema", "federation", "coordinator", "participants", "tasks", "privacy", "release", "signatures"])
        guard let schemaNode = top["schema"] else {
            throw CharterError(field: "schema", line: root.mark?.line, reason: "missing; expected '\(Self.schema)'")
        }
        let schema = try reader.string(schemaNode, field: "schema")
        guard schema == Self.schema else {
            throw CharterError(
                field: "schema", line: schemaNode.mark?.line,
                reason: "unsupported schema '\(schema)'; this version of Concord reads '\(Self.schema)'")
        }
        let federation = try reader.string(reader.required(top, "federation", in: root), field: "federation")

        let coordinatorNode = try reader.required(top, "coordinator", in: root)
        let coordinatorFields = try reader.mapping(
            coordinatorNode, field: "coordinator", known: ["name", "public_key"])
        let coordinator = Coordinator(
            name: try coordinatorFields["name"].map { node throws(CharterError) in
                try reader.string(node, field: "coordinator.name")
            } ?? "coordinator",
            publicKey: try reader.key(
                reader.required(coordinatorFields, "public_key", in: coordinatorNode, prefix: "coordinator."),
                field: "coordinator.public_key"))

        var participants: [Participant] = []
        let participantsNode = try reader.required(top, "participants", in: root)
        for (i, node) in try reader.sequence(participantsNode, field: "participants").enumerated() {
            let field = "participants[\(i)]"
            let fields = try reader.mapping(node, field: field, known: ["name", "id", "public_key", "epsilon_cap"])
            func value(_ key: String) throws(CharterError) -> Node {
                try reader.required(fields, key, in: node, prefix: field + ".")
            }
            participants.append(
                Participant(
                    name: try reader.string(value("name"), field: field + ".name"),
                    id: try reader.integer(value("id"), field: field + ".id"),
                    publicKey: try reader.key(value("public_key"), field: field + ".public_key"),
                    epsilonCap: try reader.real(value("epsilon_cap"), field: field + ".epsilon_cap")))
        }

        var tasks: [Task] = []
        let tasksNode = try reader.required(top, "tasks", in: root)
        for (i, node) in try reader.sequence(tasksNode, field: "tasks").enumerated() {
            let field = "tasks[\(i)]"
            let fields = try reader.mapping(
                node, field: field, known: ["model", "layout_hash", "strategies", "max_rounds"])
            func value(_ key: String) throws(CharterError) -> Node {
                try reader.required(fields, key, in: node, prefix: field + ".")
            }
            var strategies: [String] = []
            for (j, strategy) in try reader.sequence(value("strategies"), field: field + ".strategies").enumerated() {
                strategies.append(try reader.string(strategy, field: field + ".strategies[\(j)]"))
            }
            tasks.append(
                Task(
                    model: try reader.string(value("model"), field: field + ".model"),
                    layoutHash: try reader.string(value("layout_hash"), field: field + ".layout_hash"),
                    strategies: strategies,
                    maxRounds: try reader.integer(value("max_rounds"), field: field + ".max_rounds")))
        }

        let privacyNode = try reader.required(top, "privacy", in: root)
        let privacyFields = try reader.mapping(
            privacyNode, field: "privacy",
            known: ["level", "secure_aggregation", "min_noise_multiplier", "max_delta", "max_epsilon"])
        func privacyValue(_ key: String) throws(CharterError) -> Node {
            try reader.required(privacyFields, key, in: privacyNode, prefix: "privacy.")
        }
        var level = PrivacyLevel.user
        if let node = privacyFields["level"] {
            let text = try reader.string(node, field: "privacy.level")
            guard let parsed = PrivacyLevel(rawValue: text) else {
                throw CharterError(
                    field: "privacy.level", line: reader.lines["privacy.level"],
                    reason: "must be 'user' or 'record', got '\(text)'")
            }
            level = parsed
        }
        let privacy = PrivacyFloor(
            level: level,
            secureAggregationRequired: try reader.bool(
                privacyValue("secure_aggregation"), field: "privacy.secure_aggregation"),
            minNoiseMultiplier: try reader.real(
                privacyValue("min_noise_multiplier"), field: "privacy.min_noise_multiplier"),
            maxDelta: try reader.real(privacyValue("max_delta"), field: "privacy.max_delta"),
            maxEpsilon: try reader.real(privacyValue("max_epsilon"), field: "privacy.max_epsilon"))

        let releaseNode = try reader.required(top, "release", in: root)
        let releaseFields = try reader.mapping(releaseNode, field: "release", known: ["quorum"])
        let quorum = try reader.integer(
            reader.required(releaseFields, "quorum", in: releaseNode, prefix: "release."), field: "release.quorum")

        self.federation = federation
        self.coordinator = coordinator
        self.participants = participants
        self.tasks = tasks
        self.privacy = privacy
        self.releaseQuorum = quorum
        try validate(lines: reader.lines)

        if let signaturesNode = top["signatures"] {
            let names = participants.map(\.name)
            let entries = try reader.mapping(signaturesNode, field: "signatures", known: Set(names), allowNull: true)
            for (name, node) in entries.sorted(by: { $0.key < $1.key }) {
                let text = try reader.string(node, field: "signatures.\(name)")
                do {
                    signatures[name] = try Signature(base64: text)
                } catch {
                    throw CharterError(field: "signatures.\(name)", line: node.mark?.line, reason: "\(error)")
                }
            }
        }
    }

    /// A YAML library error as a charter error: the problem and its line, without an echo of the whole file.
    static func located(_ error: YamlError) -> CharterError {
        switch error {
        case .duplicatedKeysInMapping(let duplicates, let context):
            return CharterError(
                field: duplicates.sorted().joined(separator: ", "), line: context.mark.line,
                reason: "appears twice in one mapping")
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let detail = context.map { "\(problem) (\($0.text))" } ?? problem
            return CharterError(field: nil, line: mark.line, reason: "not valid YAML: \(detail)")
        case .reader(let problem, _, _, _):
            return CharterError(field: nil, reason: "not readable as YAML text: \(problem)")
        default:
            return CharterError(field: nil, reason: "not valid YAML: \(error)")
        }
    }

    /// Reads a charter file.
    ///
    /// - Throws: ``CharterError`` when the file cannot be read or is not a valid charter.
    public static func read(at path: String) throws(CharterError) -> Charter {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CharterError(field: nil, reason: "\(path) cannot be read (does it exist?)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CharterError(field: nil, reason: "\(path) is not UTF-8 text")
        }
        do {
            return try Charter(yaml: text)
        } catch {
            var located = error
            located.reason += " (in \(path))"
            throw located
        }
    }
}

/// Reads the typed fields of a charter's YAML tree, remembering each field's line.
struct CharterYAMLReader {
    var lines: [String: Int] = [:]

    mutating func note(_ node: Node, _ field: String) { lines[field] = node.mark?.line }

    func fail(_ node: Node, _ field: String, _ reason: String) -> CharterError {
        CharterError(field: field.isEmpty ? nil : field, line: node.mark?.line, reason: reason)
    }

    func required(
        _ fields: [String: Node], _ key: String, in parent: Node, prefix: String = ""
    )
        throws(CharterError) -> Node
    {
        guard let node = fields[key] else { throw fail(parent, prefix + key, "missing") }
        return node
    }

    mutating func mapping(
        _ node: Node, field: String, known: Set<String>, allowNull: Bool = false
    )
        throws(CharterError) -> [String: Node]
    {
        note(node, field)
        if allowNull, case .scalar(let scalar) = node, ["", "~", "null"].contains(scalar.string) {
            return [:]
        }
        guard case .mapping(let mapping) = node else {
            throw fail(node, field, "expected a mapping of fields")
        }
        var result: [String: Node] = [:]
        for (keyNode, value) in mapping {
            guard case .scalar(let keyScalar) = keyNode else { throw fail(keyNode, field, "a key must be text") }
            let key = keyScalar.string
            let path = field.isEmpty ? key : field + "." + key
            guard known.contains(key) else {
                let expected = known.sorted().joined(separator: ", ")
                throw fail(keyNode, path, "unknown field (expected one of: \(expected))")
            }
            guard result[key] == nil else { throw fail(keyNode, path, "appears twice") }
            if case .alias = value { throw fail(value, path, "YAML aliases are not allowed in a charter") }
            result[key] = value
        }
        return result
    }

    mutating func sequence(_ node: Node, field: String) throws(CharterError) -> [Node] {
        note(node, field)
        guard case .sequence(let sequence) = node else { throw fail(node, field, "expected a list") }
        return Array(sequence)
    }

    mutating func scalar(_ node: Node, field: String) throws(CharterError) -> String {
        note(node, field)
        guard case .scalar(let scalar) = node else { throw fail(node, field, "expected a single value") }
        return scalar.string
    }

    mutating func string(_ node: Node, field: String) throws(CharterError) -> String {
        let text = try scalar(node, field: field)
        guard !text.isEmpty else { throw fail(node, field, "must not be empty") }
        return text
    }

    mutating func integer(_ node: Node, field: String) throws(CharterError) -> Int {
        let text = try scalar(node, field: field)
        guard let value = Int(text) else { throw fail(node, field, "expected an integer, got '\(text)'") }
        return value
    }

    mutating func real(_ node: Node, field: String) throws(CharterError) -> Double {
        let text = try scalar(node, field: field)
        guard let value = Double(text), value.isFinite else {
            throw fail(node, field, "expected a finite number, got '\(text)'")
        }
        return value
    }

    mutating func bool(_ node: Node, field: String) throws(CharterError) -> Bool {
        let text = try scalar(node, field: field)
        switch text {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default: throw fail(node, field, "expected true or false, got '\(text)'")
        }
    }

    mutating func key(_ node: Node, field: String) throws(CharterError) -> PublicKey {
        let text = try string(node, field: field)
        do {
            return try PublicKey(base64: text)
        } catch {
            throw fail(node, field, "\(error)")
        }
    }
}
