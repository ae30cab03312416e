#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The value of an environment variable, or nil when it is unset or empty.
package func environmentValue(_ name: String) -> String? {
    guard let raw = getenv(name) else { return nil }
    let value = String(cString: raw)
    return value.isEmpty ? nil : value
}

/// Sets an environment variable unless it already has a value; returns whether it was set.
@discardableResult
package func setEnvironmentDefault(_ name: String, _ value: String) -> Bool {
    guard environmentValue(name) == nil else { return false }
    return setenv(name, value, 0) == 0
}
