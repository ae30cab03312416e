import CYaml

/// Checks YAML text before it is composed or decoded, against the two ways a small file can cost without bound:
/// aliases that expand to more nodes than anyone wrote ("billion laughs": ten anchors of ten aliases each are ten
/// billion nodes in 1 KB), and nesting deep enough to exhaust the stack of a recursive reader.
///
/// It reads libyaml's event stream (the parser Yams uses) once, keeping for each anchor the size and depth of its
/// node *as expanded*, so the check is linear in the text whatever the aliases would expand to. Syntax errors are
/// left to Yams, which reports them with their line. Shared by the charter (ConcordGovernance) and the federation
/// configuration (ConcordServer).
package enum YAMLGuard {
    /// What a document may expand to.
    package struct Limits: Sendable {
        /// The most nodes (scalars, sequences, mappings; keys count) the document may hold with its aliases
        /// expanded.
        package var maxNodes: Int
        /// The deepest nesting of sequences and mappings, aliases expanded.
        package var maxDepth: Int

        /// Creates limits.
        package init(maxNodes: Int = 100_000, maxDepth: Int = 64) {
            self.maxNodes = maxNodes
            self.maxDepth = maxDepth
        }
    }

    /// What the check saw.
    package struct Summary: Sendable, Equatable {
        /// The number of aliases (`*name`) in the text.
        package var aliases = 0
        /// The 1-based line of the first alias, if any.
        package var firstAliasLine: Int?
        /// The nodes the document holds with its aliases expanded.
        package var expandedNodes = 0
    }

    /// Why YAML text was refused before being read: it expands too far or nests too deep.
    package struct Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        /// The 1-based line where the limit was passed.
        package var line: Int
        /// What is wrong.
        package var reason: String

        /// "line N: reason".
        package var description: String { "line \(line): \(reason)" }
    }

    /// Checks `text` against `limits`.
    ///
    /// - Returns: what the check saw (how many aliases, where the first is).
    /// - Throws: ``Refusal`` when the document, aliases expanded, holds more than `limits.maxNodes` nodes or nests
    ///   deeper than `limits.maxDepth`. Text libyaml cannot parse passes: the YAML reader reports it.
    @discardableResult
    package static func check(_ text: String, limits: Limits = Limits()) throws(Refusal) -> Summary {
        var copy = text
        let result = copy.withUTF8 { bytes in Result { () throws(Refusal) in try check(bytes, limits: limits) } }
        return try result.get()
    }

    /// A collection being read: its anchor, and its size and depth so far.
    private struct Frame {
        var anchor: String?
        var nodes = 1
        var depth = 1
    }

    private static func check(_ bytes: UnsafeBufferPointer<UInt8>, limits: Limits) throws(Refusal) -> Summary {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return Summary() }
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return Summary() }
        defer { yaml_parser_delete(&parser) }
        yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
        yaml_parser_set_input_string(&parser, base, bytes.count)

        var summary = Summary()
        var anchors: [String: (nodes: Int, depth: Int)] = [:]
        var stack: [Frame] = []
        var documentNodes = 0

        /// Adds a finished node of `nodes` nodes and `depth` levels to its parent (or to the document).
        func add(nodes: Int, depth: Int, line: Int) throws(Refusal) {
            if var parent = stack.popLast() {
                parent.nodes = parent.nodes > limits.maxNodes - nodes ? limits.maxNodes + 1 : parent.nodes + nodes
                parent.depth = max(parent.depth, depth + 1)
                stack.append(parent)
                let total = stack.count - 1 + parent.depth
                guard total <= limits.maxDepth else { throw tooDeep(limits, line: line) }
                guard parent.nodes <= limits.maxNodes else { throw tooLarge(limits, line: line) }
            } else {
                documentNodes = documentNodes > limits.maxNodes - nodes ? limits.maxNodes + 1 : documentNodes + nodes
                summary.expandedNodes = max(summary.expandedNodes, documentNodes)
                guard depth <= limits.maxDepth else { throw tooDeep(limits, line: line) }
                guard documentNodes <= limits.maxNodes else { throw tooLarge(limits, line: line) }
            }
        }

        while true {
            var event = yaml_event_t()
            guard yaml_parser_parse(&parser, &event) == 1 else { return summary }  // Yams reports the syntax error
            defer { yaml_event_delete(&event) }
            let line = Int(event.start_mark.line) + 1
            switch event.type {
            case YAML_STREAM_END_EVENT:
                return summary
            case YAML_DOCUMENT_START_EVENT:
                documentNodes = 0
                anchors = [:]
            case YAML_SCALAR_EVENT:
                let anchor = name(event.data.scalar.anchor)
                if let anchor { anchors[anchor] = (1, 0) }
                try add(nodes: 1, depth: 0, line: line)
            case YAML_ALIAS_EVENT:
                summary.aliases += 1
                if summary.firstAliasLine == nil { summary.firstAliasLine = line }
                guard let anchor = name(event.data.alias.anchor), let size = anchors[anchor] else {
                    return summary  // an undefined alias: Yams reports it
                }
                try add(nodes: size.nodes, depth: size.depth, line: line)
            case YAML_SEQUENCE_START_EVENT:
                stack.append(Frame(anchor: name(event.data.sequence_start.anchor)))
                guard stack.count <= limits.maxDepth else { throw tooDeep(limits, line: line) }
            case YAML_MAPPING_START_EVENT:
                stack.append(Frame(anchor: name(event.data.mapping_start.anchor)))
                guard stack.count <= limits.maxDepth else { throw tooDeep(limits, line: line) }
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                guard let frame = stack.popLast() else { return summary }
                if let anchor = frame.anchor { anchors[anchor] = (frame.nodes, frame.depth) }
                try add(nodes: frame.nodes, depth: frame.depth, line: line)
            default:
                break
            }
        }
    }

    private static func name(_ anchor: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        anchor.map { String(cString: $0) }
    }

    private static func tooLarge(_ limits: Limits, line: Int) -> Refusal {
        Refusal(
            line: line,
            reason: "the YAML expands to more than \(limits.maxNodes) nodes (aliases?); write the values out, "
                + "or split the file")
    }

    private static func tooDeep(_ limits: Limits, line: Int) -> Refusal {
        Refusal(line: line, reason: "the YAML nests deeper than \(limits.maxDepth) levels (aliases included)")
    }
}
