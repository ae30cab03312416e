/// How the images of a folder become examples: the size they are resized to and the channels they are given.
public struct ImageFolderOptions: Sendable, Equatable {
    /// The side every image is resized to (bilinearly), `side × side`; nil keeps the images' own size, which must
    /// then be the same for all.
    public var side: Int?
    /// 1 (gray: colour by luma) or 3 (colour: gray copied to red, green and blue); nil for 3 when any image is in
    /// colour, 1 when all are gray.
    public var channels: Int?

    /// Options with the given side and channels.
    public init(side: Int? = nil, channels: Int? = nil) {
        self.side = side
        self.channels = channels
    }

    /// Checks the values.
    ///
    /// - Throws: ``ImageError/invalidOption(_:)`` for a side outside 1...8192 or channels other than 1 or 3.
    public func validate() throws(ImageError) {
        if let side, !(1...8192).contains(side) {
            throw .invalidOption("the image size must be between 1 and 8192, got \(side)")
        }
        if let channels, channels != 1, channels != 3 {
            throw .invalidOption("the image channels must be 1 (gray) or 3 (colour), got \(channels)")
        }
    }
}
