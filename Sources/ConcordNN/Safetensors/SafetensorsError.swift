/// Everything that can go wrong reading or writing a safetensors file.
///
/// Each case carries enough context (tensor name, offending values) for its
/// ``description`` to tell a person what is wrong with the file and where.
public enum SafetensorsError: Error, Equatable, CustomStringConvertible {
    /// The file is shorter than the 8-byte header-length prefix.
    case fileTooShort(byteCount: Int)
    /// The declared header length exceeds the sanity limit.
    case headerTooLarge(declared: UInt64, limit: Int)
    /// The declared header length runs past the end of the file.
    case headerExceedsFile(declared: UInt64, available: Int)
    /// The header bytes are not valid UTF-8.
    case headerNotUTF8
    /// The header is not valid JSON; `reason` says what and where (byte offset within the header).
    case headerNotJSON(reason: String)
    /// The header is valid JSON but not an object.
    case headerNotObject
    /// A key appears twice in the header.
    case duplicateName(String)
    /// `__metadata__` is present but is not an object.
    case metadataNotObject
    /// A `__metadata__` value is not a string.
    case metadataValueNotString(key: String)
    /// A tensor's entry is not an object.
    case entryNotObject(tensor: String)
    /// A tensor's entry lacks a required field.
    case missingField(tensor: String, field: String)
    /// A tensor's field has the wrong type or an impossible value.
    case invalidField(tensor: String, field: String, reason: String)
    /// The tensor's dtype is not one Concord can read (F32, F64, F16, BF16).
    case unsupportedDType(tensor: String, dtype: String)
    /// The element or byte count of the tensor's shape overflows a 64-bit integer.
    case shapeOverflow(tensor: String, shape: [Int])
    /// The tensor's data region does not hold `product(shape) * dtype size` bytes.
    case byteCountMismatch(tensor: String, dtype: String, shape: [Int], expected: Int, actual: Int)
    /// The tensor's data region ends past the end of the data buffer.
    case offsetsOutOfRange(tensor: String, end: Int, bufferSize: Int)
    /// Two tensors' data regions overlap.
    case overlappingTensors(first: String, second: String)
    /// Bytes `from..<to` of the data buffer belong to no tensor.
    case dataGap(from: Int, to: Int, after: String?, before: String?)
    /// A tensor to be written uses a reserved name.
    case reservedName(String)
    /// A tensor to be written breaks its own invariants (scalar count vs shape).
    case invalidTensor(name: String, reason: String)
    /// Reading or writing the file failed.
    case io(path: String, reason: String)

    /// A message a person can act on.
    public var description: String {
        switch self {
        case .fileTooShort(let count):
            "file is \(count) bytes, shorter than the 8-byte header length that starts every safetensors file "
                + "(truncated, or not a safetensors file)"
        case .headerTooLarge(let declared, let limit):
            "header length \(declared) exceeds the \(limit)-byte limit; the file is corrupt or not a safetensors file"
        case .headerExceedsFile(let declared, let available):
            "header length \(declared) runs past the end of the file (\(available) bytes follow the length prefix); "
                + "the file is truncated or corrupt"
        case .headerNotUTF8:
            "safetensors header is not valid UTF-8"
        case .headerNotJSON(let reason):
            "safetensors header is not valid JSON: \(reason)"
        case .headerNotObject:
            "safetensors header must be a JSON object mapping tensor names to entries"
        case .duplicateName(let name):
            "name '\(name)' appears more than once in the safetensors header"
        case .metadataNotObject:
            "__metadata__ must be a JSON object of string values"
        case .metadataValueNotString(let key):
            "__metadata__ value for '\(key)' is not a string; safetensors metadata values must be strings"
        case .entryNotObject(let tensor):
            "entry for tensor '\(tensor)' must be an object with dtype, shape and data_offsets"
        case .missingField(let tensor, let field):
            "entry for tensor '\(tensor)' is missing the '\(field)' field"
        case .invalidField(let tensor, let field, let reason):
            "'\(field)' of tensor '\(tensor)' is invalid: \(reason)"
        case .unsupportedDType(let tensor, let dtype):
            "tensor '\(tensor)' has dtype '\(dtype)'; Concord reads only F32, F64, F16 and BF16"
        case .shapeOverflow(let tensor, let shape):
            "shape \(shape) of tensor '\(tensor)' is too large: its byte count overflows a 64-bit integer"
        case .byteCountMismatch(let tensor, let dtype, let shape, let expected, let actual):
            "tensor '\(tensor)' (\(dtype), shape \(shape)) needs \(expected) bytes but its data_offsets span \(actual)"
        case .offsetsOutOfRange(let tensor, let end, let bufferSize):
            "data of tensor '\(tensor)' ends at byte \(end) but the data buffer has only \(bufferSize) bytes "
                + "(truncated file?)"
        case .overlappingTensors(let first, let second):
            "data regions of tensors '\(first)' and '\(second)' overlap"
        case .dataGap(let from, let to, let after, let before):
            "bytes \(from)..<\(to) of the data buffer belong to no tensor (\(Self.gapPlace(after: after, before: before))); "
                + "tensor data must cover the buffer contiguously"
        case .reservedName(let name):
            "'\(name)' is reserved by the safetensors format and cannot name a tensor"
        case .invalidTensor(let name, let reason):
            "tensor '\(name)' cannot be written: \(reason)"
        case .io(let path, let reason):
            "\(path): \(reason)"
        }
    }

    private static func gapPlace(after: String?, before: String?) -> String {
        switch (after, before) {
        case let (after?, before?): "between '\(after)' and '\(before)'"
        case let (after?, nil): "after the last tensor '\(after)'"
        case let (nil, before?): "before the first tensor '\(before)'"
        case (nil, nil): "the header declares no tensors"
        }
    }
}
