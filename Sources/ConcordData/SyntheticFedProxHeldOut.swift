/// The pooled test set of a ``SyntheticFedProxDevices`` federation (every device's held-out tenth, in
/// device order) generated a few devices at a time when evaluated, never held whole: the memory it
/// takes grows with the evaluation's concurrency, not with the number of devices.
public struct SyntheticFedProxHeldOut: HeldOutData {
    let devices: SyntheticFedProxDevices

    /// Devices per piece at most: a piece of Synthetic(α, β)'s power-law sizes is then a few MB.
    static let devicesPerPiece = 64

    /// `[60]`.
    public var exampleShape: [Int] { [SyntheticFedProx.featureCount] }
    /// 10.
    public var classCount: Int { SyntheticFedProx.classCount }
    /// The held-out examples of all devices.
    public var count: Int { devices.testCount }

    /// `suggested` pieces, or more so that none spans more than 64 devices (at least one; at most one per device).
    public func pieceCount(suggested: Int) -> Int {
        let n = devices.deviceCount
        let bounded = (n + Self.devicesPerPiece - 1) / Self.devicesPerPiece
        return max(1, min(max(suggested, bounded), n))
    }

    /// The held-out examples of devices `index·n/pieces ..< (index+1)·n/pieces`, generated now.
    public func piece(_ index: Int, of pieces: Int) -> Dataset {
        let n = devices.deviceCount
        return devices.testExamples(devices: (index * n / pieces)..<((index + 1) * n / pieces))
    }
}
