/// The rule for participant names: what a certificate's Common Name and a node's file name may be.
enum ParticipantName {
    /// The longest name accepted.
    static let maximumLength = 64

    /// Whether `name` is 1–64 ASCII letters, digits, '-', '_' or '.', starting with a letter or digit.
    ///
    /// The first-character rule keeps names from being hidden files ("`.x`") or relative paths ("`..`") when a name
    /// becomes a file name in a ``PKIDirectory``.
    static func isValid(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...maximumLength).contains(bytes.count), let first = bytes.first, isAlphanumeric(first) else {
            return false
        }
        return bytes.allSatisfy {
            isAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".")
        }
    }

    /// Throws ``IdentityError/invalidName(_:)`` unless `name` is valid.
    static func validate(_ name: String) throws(IdentityError) {
        guard isValid(name) else { throw .invalidName(name) }
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}
