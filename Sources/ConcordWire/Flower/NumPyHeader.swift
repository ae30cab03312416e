/// Reads the three keys Concord needs from a `.npy` header, a Python dict literal such as
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (200, 784), }`, without evaluating anything.
enum NumPyHeader {
    /// The text after `'key':`, leading spaces dropped.
    private static func value(for key: String, in header: String) throws(WireError) -> Substring {
        for quote in ["'", "\""] {
            if let range = header.range(of: "\(quote)\(key)\(quote)") {
                var rest = header[range.upperBound...].drop { $0 == " " }
                guard rest.first == ":" else { break }
                rest = rest.dropFirst().drop { $0 == " " }
                return rest
            }
        }
        throw .malformed("a .npy header without '\(key)': \(header.prefix(120))")
    }

    /// A quoted string value.
    static func string(for key: String, in header: String) throws(WireError) -> String {
        let rest = try value(for: key, in: header)
        guard let quote = rest.first, quote == "'" || quote == "\"" else {
            throw .malformed("a .npy header whose '\(key)' is not a string (structured dtypes are not read)")
        }
        guard let end = rest.dropFirst().firstIndex(of: quote) else {
            throw .malformed("a .npy header whose '\(key)' string is not closed")
        }
        return String(rest[rest.index(after: rest.startIndex)..<end])
    }

    /// A `True` or `False` value.
    static func bool(for key: String, in header: String) throws(WireError) -> Bool {
        let rest = try value(for: key, in: header)
        if rest.hasPrefix("True") { return true }
        if rest.hasPrefix("False") { return false }
        throw .malformed("a .npy header whose '\(key)' is neither True nor False")
    }

    /// The `shape` tuple: `()`, `(7,)`, `(200, 784)`.
    static func shape(in header: String) throws(WireError) -> [Int] {
        let rest = try value(for: "shape", in: header)
        guard rest.first == "(", let end = rest.firstIndex(of: ")") else {
            throw .malformed("a .npy header whose 'shape' is not a tuple")
        }
        let inside = rest[rest.index(after: rest.startIndex)..<end]
        var shape: [Int] = []
        for part in inside.split(separator: ",", omittingEmptySubsequences: false) {
            let text = part.trimmingSpaces
            if text.isEmpty { continue }
            // NumPy writes plain decimal integers, sometimes with an L suffix from Python 2.
            let digits = text.hasSuffix("L") ? text.dropLast() : text[...]
            guard let dimension = Int(digits), dimension >= 0 else {
                throw .malformed("a .npy shape with the dimension '\(text)'")
            }
            shape.append(dimension)
        }
        return shape
    }
}

extension Substring {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
