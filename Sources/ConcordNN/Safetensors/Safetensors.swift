import ConcordTensor
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads and writes the Hugging Face safetensors format.
///
/// A file is an 8-byte little-endian header length `N`, `N` bytes of JSON mapping each tensor
/// name to `{"dtype", "shape", "data_offsets": [begin, end]}` (plus an optional `__metadata__`
/// object of strings), then the data buffer the offsets point into. Concord writes F32 only,
/// deterministically; it reads F32, F64, F16 and BF16, converting to Float32, and validates
/// every field of untrusted files, throwing ``SafetensorsError`` rather than trapping.
public enum Safetensors {
    /// The largest header accepted when reading (the reference implementation's limit).
    public static let maxHeaderSize = 100_000_000

    /// Serialises tensors as F32 into safetensors bytes.
    ///
    /// The output depends only on the input: tensors are laid out in order of their names'
    /// UTF-8 bytes, header keys are sorted, and the header is space-padded to 8 bytes.
    ///
    /// - Throws: ``SafetensorsError/reservedName(_:)`` for a tensor named `__metadata__`,
    ///   ``SafetensorsError/invalidTensor(name:reason:)`` when a tensor's scalars do not fill its shape.
    public static func encode(
        _ tensors: [String: Tensor], metadata: [String: String] = [:]
    )
        throws(SafetensorsError) -> [UInt8]
    {
        let ordered = tensors.sorted { utf8Precedes($0.key, $1.key) }
        var entries: [(name: String, shape: [Int], begin: Int, end: Int)] = []
        var offset = 0
        for (name, tensor) in ordered {
            guard name != metadataKey else { throw .reservedName(name) }
            let expected = Tensor.elementCount(tensor.shape)
            guard tensor.scalars.count == expected else {
                throw .invalidTensor(
                    name: name, reason: "\(tensor.scalars.count) scalars for shape \(tensor.shape) (needs \(expected))")
            }
            let size = tensor.scalars.count * MemoryLayout<UInt32>.size
            entries.append((name, tensor.shape, offset, offset + size))
            offset += size
        }
        let header = encodeHeader(entries, metadata: metadata)

        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: header)
        for (_, tensor) in ordered {
            tensor.scalars.map { $0.bitPattern.littleEndian }.withUnsafeBytes { bytes.append(contentsOf: $0) }
        }
        return bytes
    }

    /// Parses safetensors bytes, converting every tensor to Float32.
    ///
    /// - Throws: a ``SafetensorsError`` describing the first problem found; hostile input
    ///   never traps.
    public static func decode(_ bytes: some Collection<UInt8>) throws(SafetensorsError) -> SafetensorsFile {
        let file = Array(bytes)
        guard file.count >= 8 else { throw .fileTooShort(byteCount: file.count) }
        let declared = file[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard declared <= UInt64(maxHeaderSize) else { throw .headerTooLarge(declared: declared, limit: maxHeaderSize) }
        guard declared <= UInt64(file.count - 8) else {
            throw .headerExceedsFile(declared: declared, available: file.count - 8)
        }
        let dataStart = 8 + Int(declared)
        let header = try parseHeader(file[8..<dataStart])
        try validateLayout(header.entries, bufferSize: file.count - dataStart)

        var result = SafetensorsFile(metadata: header.metadata)
        for entry in header.entries {
            let scalars = file.withUnsafeBytes { raw in
                entry.dtype.floats(from: raw, offset: dataStart + entry.begin, count: entry.elementCount)
            }
            do {
                result.tensors[entry.name] = try Tensor(validatingShape: entry.shape, scalars: scalars)
            } catch {
                throw .invalidField(tensor: entry.name, field: "shape", reason: "\(error)")
            }
            result.dtypes[entry.name] = entry.dtype
        }
        return result
    }

    /// Writes tensors as an F32 safetensors file, atomically.
    ///
    /// The bytes go to a temporary file in the destination's directory, are flushed to disk,
    /// and the file is renamed over `url`: a crash leaves either the old file or the new one,
    /// never a partial model.
    ///
    /// - Throws: the errors of ``encode(_:metadata:)``, or ``SafetensorsError/io(path:reason:)``.
    public static func write(
        _ tensors: [String: Tensor], metadata: [String: String] = [:], to url: URL
    )
        throws(SafetensorsError)
    {
        try writeAtomically(try encode(tensors, metadata: metadata), to: url)
    }

    /// Reads and decodes a safetensors file.
    ///
    /// - Throws: ``SafetensorsError/io(path:reason:)`` when the file cannot be read, otherwise
    ///   the errors of ``decode(_:)``.
    public static func read(from url: URL) throws(SafetensorsError) -> SafetensorsFile {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw .io(path: url.path, reason: "no such file")
        }
        guard !isDirectory.boolValue else {
            throw .io(path: url.path, reason: "is a directory, not a safetensors file")
        }
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            throw .io(path: url.path, reason: "cannot read file: \(error.localizedDescription)")
        }
        return try decode(data)
    }

    private static func writeAtomically(_ bytes: [UInt8], to url: URL) throws(SafetensorsError) {
        guard url.isFileURL else { throw .io(path: url.absoluteString, reason: "not a file URL") }
        let path = url.path
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp").path
        do {
            guard FileManager.default.createFile(atPath: temporary, contents: nil) else {
                throw SafetensorsError.io(
                    path: path, reason: "cannot create \(temporary); does the directory exist and is it writable?")
            }
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temporary))
            do {
                try handle.write(contentsOf: bytes)
                try handle.synchronize()
            } catch {
                try? handle.close()
                throw error
            }
            try handle.close()
            guard rename(temporary, path) == 0 else {
                let reason = String(cString: strerror(errno))
                throw SafetensorsError.io(path: path, reason: "cannot rename \(temporary) into place: \(reason)")
            }
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error as? SafetensorsError
                ?? .io(path: path, reason: "cannot write file: \(error.localizedDescription)")
        }
    }
}

/// The contents of a safetensors file: its tensors as Float32, its metadata, and the
/// element type each tensor was stored with.
public struct SafetensorsFile: Sendable, Equatable {
    /// The tensors by name, converted to Float32.
    public var tensors: [String: Tensor]
    /// The `__metadata__` strings (empty when the file has none).
    public var metadata: [String: String]
    /// The dtype each tensor had in the file, by name.
    public var dtypes: [String: Safetensors.DType]

    /// Creates file contents from its parts.
    public init(
        tensors: [String: Tensor] = [:], metadata: [String: String] = [:],
        dtypes: [String: Safetensors.DType] = [:]
    ) {
        self.tensors = tensors
        self.metadata = metadata
        self.dtypes = dtypes
    }

    /// The tensor named `name`, if the file has one.
    public subscript(name: String) -> Tensor? { tensors[name] }
}
