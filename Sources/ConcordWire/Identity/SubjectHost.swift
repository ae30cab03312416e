import SwiftASN1
import X509

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A host a coordinator is reached by, as a SubjectAlternativeName: an IP address (v4 or v6) or a DNS name.
enum SubjectHost {
    /// The SubjectAlternativeName for `host`.
    ///
    /// - Throws: ``IdentityError/invalidHost(_:)`` when `host` is neither an address nor a DNS name.
    static func generalName(_ host: String) throws(IdentityError) -> GeneralName {
        if let address = ipAddressBytes(host) {
            return .ipAddress(ASN1OctetString(contentBytes: address[...]))
        }
        guard isDNSName(host) else { throw .invalidHost(host) }
        return .dnsName(host.lowercased())
    }

    /// The network-order bytes of an IPv4 (4 bytes) or IPv6 (16 bytes) address, or nil.
    static func ipAddressBytes(_ host: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, host, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        return nil
    }

    /// Whether `host` is a DNS name: dot-separated labels of 1–63 letters, digits, '-' or '_', not starting or
    /// ending with '-', 253 characters at most.
    static func isDNSName(_ host: String) -> Bool {
        let bytes = Array(host.utf8)
        guard (1...253).contains(bytes.count) else { return false }
        return bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false).allSatisfy { label in
            guard (1...63).contains(label.count), label.first != UInt8(ascii: "-"), label.last != UInt8(ascii: "-")
            else { return false }
            return label.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                    || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
            }
        }
    }
}
