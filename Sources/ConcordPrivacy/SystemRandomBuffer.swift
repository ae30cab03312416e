#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The operating system's cryptographically secure random bytes, read in 64 KiB blocks.
///
/// `SystemRandomNumberGenerator` asks the kernel for 8 bytes per call, which made drawing the noise of
/// one round of a 200,000-parameter model cost a system call per coordinate. This reads the same source
/// (`/dev/urandom`, the kernel's CSPRNG, on Linux; `arc4random_buf` on Apple platforms) a block at a time
/// and hands the words out in order. Nothing is seeded or generated in user space; if the device cannot be
/// read, the words come from `SystemRandomNumberGenerator` instead.
public struct SystemRandomBuffer: RandomNumberGenerator {
    private var words = [UInt64](repeating: 0, count: 8192)
    private var position: Int

    /// A reader with an empty buffer (the first draw fills it).
    public init() { position = words.count }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        if position == words.count {
            refill()
            position = 0
        }
        defer { position += 1 }
        return words[position]
    }

    private mutating func refill() {
        let complete = words.withUnsafeMutableBytes { bytes -> Bool in
            guard let base = bytes.baseAddress else { return false }
            #if canImport(Darwin)
                arc4random_buf(base, bytes.count)
                return true
            #else
                let device = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
                guard device >= 0 else { return false }
                defer { close(device) }
                var filled = 0
                while filled < bytes.count {
                    let count = read(device, base + filled, bytes.count - filled)
                    if count > 0 {
                        filled += count
                    } else if count < 0, errno == EINTR {
                        continue
                    } else {
                        return false
                    }
                }
                return true
            #endif
        }
        if !complete {
            var system = SystemRandomNumberGenerator()
            for i in words.indices { words[i] = system.next() }
        }
    }
}
