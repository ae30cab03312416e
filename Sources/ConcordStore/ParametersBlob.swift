import ConcordFederation
import ConcordNN
import Crypto
import Foundation

/// Parameters as stored: the values as raw little-endian Float32 bytes (4 bytes a scalar, no JSON: a model of
/// 50 million parameters is a 200 MB blob), the layout as JSON, and a SHA-256 of the bytes checked on load.
struct ParametersBlob: Equatable {
    /// The values, 4 little-endian bytes each.
    var bytes: Data
    /// The layout, as JSON text.
    var layout: String
    /// The SHA-256 of `bytes`, in lowercase hex.
    var sha256: String

    /// Encodes parameters for storage.
    ///
    /// - Throws: `FederationError.layoutMismatch` when the values do not fill the layout (`values` was changed
    ///   after the parameters were made); what is stored must load.
    init(_ parameters: Parameters) throws {
        guard parameters.values.count == parameters.layout.scalarCount else {
            throw FederationError.layoutMismatch(
                "the checkpoint holds \(parameters.values.count) values for a layout of "
                    + "\(parameters.layout.scalarCount) scalars; nothing was committed")
        }
        bytes = Self.bytes(of: parameters.values)
        layout = try StoreJSON.text(parameters.layout)
        sha256 = Self.digest(bytes)
    }

    /// Wraps what was read from the store.
    init(bytes: Data, layout: String, sha256: String) {
        self.bytes = bytes
        self.layout = layout
        self.sha256 = sha256
    }

    /// Decodes the stored parameters, checking the layout, the size and the digest.
    ///
    /// - Parameter place: where the blob was read from, for the error message ("the checkpoint of run 3 in …").
    /// - Throws: ``StoreError/corrupt(_:)`` saying which check failed.
    func parameters(place: String) throws -> Parameters {
        let layout = try Self.decodeLayout(layout, place: place)
        let (expectedBytes, overflow) = layout.scalarCount.multipliedReportingOverflow(by: 4)
        guard !overflow, bytes.count == expectedBytes else {
            throw StoreError.corrupt(
                "\(place): the parameters hold \(bytes.count) bytes but their layout of \(layout.scalarCount) "
                    + "scalars needs \(overflow ? "more" : "\(expectedBytes)"); the row was truncated or edited, "
                    + "restore the file from a backup")
        }
        let actual = Self.digest(bytes)
        guard actual == sha256 else {
            throw StoreError.corrupt(
                "\(place): the parameters' SHA-256 is \(actual) but \(sha256) was stored with them; the bytes "
                    + "changed after they were committed (disk fault or an edit), restore the file from a backup")
        }
        do {
            return try Parameters(layout: layout, values: Self.values(from: bytes, count: layout.scalarCount))
        } catch {
            throw StoreError.corrupt("\(place): \(error)")
        }
    }

    /// The layout from its JSON, with every shape checked before any count is computed (a damaged shape must
    /// give an error, not an arithmetic overflow).
    static func decodeLayout(_ text: String, place: String) throws -> ParameterLayout {
        let stored = try StoreJSON.decode(StoredLayout.self, from: text, what: "\(place): the parameter layout")
        var total = 0
        for entry in stored.entries {
            var count = 1
            for dimension in entry.shape {
                let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
                guard dimension >= 0, !overflow else {
                    throw StoreError.corrupt(
                        "\(place): the layout gives \(entry.name) the impossible shape \(entry.shape); restore the "
                            + "file from a backup")
                }
                count = product
            }
            let (sum, overflow) = total.addingReportingOverflow(count)
            guard !overflow else {
                throw StoreError.corrupt(
                    "\(place): the layout's scalar count overflows; restore the file from a backup")
            }
            total = sum
        }
        return ParameterLayout(stored.entries.map { ParameterLayout.Entry(name: $0.name, shape: $0.shape) })
    }

    /// The layout as stored, decoded without computing anything from it.
    private struct StoredLayout: Decodable {
        struct Entry: Decodable {
            var name: String
            var shape: [Int]
        }
        var entries: [Entry]
    }

    /// The values as little-endian Float32 bytes.
    static func bytes(of values: [Float]) -> Data {
        #if _endian(little)
            return values.withUnsafeBytes { Data($0) }
        #else
            var data = Data(capacity: values.count * 4)
            for value in values {
                withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
            }
            return data
        #endif
    }

    /// The values from little-endian Float32 bytes; `bytes` holds exactly `count` × 4 of them.
    static func values(from bytes: Data, count: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            bytes.withUnsafeBytes { source in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(
                    from: UnsafeRawBufferPointer(rebasing: source[..<(count * 4)]))
            }
            #if _endian(big)
                for index in 0..<count {
                    buffer[index] = Float(bitPattern: UInt32(littleEndian: buffer[index].bitPattern))
                }
            #endif
            initialized = count
        }
    }

    /// The SHA-256 of `bytes`, in lowercase hex.
    static func digest(_ bytes: Data) -> String {
        let hex = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for byte in SHA256.hash(data: bytes) {
            text.append(hex[Int(byte >> 4)])
            text.append(hex[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
