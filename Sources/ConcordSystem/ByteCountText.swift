/// Sizes and counts as a person reads them in a message: "11.8 GB", "3,000,000".
public enum ByteCountText {
    /// `bytes` in decimal units with one decimal under 100 ("11.8 GB", "512 MB", "940 bytes").
    ///
    /// - Parameter bytes: a byte count; a negative one is shown as 0 bytes.
    /// - Returns: the count in the largest unit (kB, MB, GB, TB, PB, EB) that keeps it at 1 or more.
    public static func describe(_ bytes: Int) -> String {
        guard bytes >= 1000 else { return "\(max(0, bytes)) bytes" }
        let units = ["kB", "MB", "GB", "TB", "PB", "EB"]
        var value = Double(bytes) / 1000
        var unit = 0
        while value >= 999.95, unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        let tenths = (value * 10).rounded()
        let shown =
            value >= 99.95 ? "\(Int(value.rounded()))" : "\(Int(tenths) / 10).\(Int(tenths) % 10)"
        return "\(shown) \(units[unit])"
    }

    /// `count` with its thousands separated by commas ("3,000,000").
    public static func grouped(_ count: Int) -> String {
        let digits = String(count.magnitude)
        var result = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return count < 0 ? "-" + result : result
    }
}
