import JSONLines

/// The image paths a record names: `images` (a path string or an array of them) or, when it has
/// no `images`, `image`; or the field at `field` when given. Shared by kdsl-ocr and kdsl-model
/// so that both read the same paths and report a wrong shape in the same words. The one home of
/// the default: a stage holds `--images-field` as a `FieldPath?` (`RecordFields.images`), nil
/// when not given.
public enum ImagePaths {
    /// The field read by default, and the one read when a record has no `images`.
    public static let defaultField: FieldPath = "images", fallbackField: FieldPath = "image"

    /// The paths in order; `[]` when the field is absent or null. Throws `RecordError` when it
    /// has the wrong shape, e.g. `images[0] is a number, expected a path string`. `field` nil:
    /// `defaultField`, else `fallbackField`.
    public static func of(_ record: Record, field: FieldPath? = nil) throws -> [String] {
        if let field {
            guard let value = record.value(at: field) else { return [] }
            return try paths(value, name: field.description)
        }
        if let value = record.value(at: defaultField) { return try paths(value, name: defaultField.description) }
        if let value = record.value(at: fallbackField) { return try paths(value, name: fallbackField.description) }
        return []
    }

    /// `path` as the file to open: relative paths are joined to `root` ("" and "." both mean the
    /// current directory, so the path is left as written).
    public static func resolve(_ path: String, root: String) -> String {
        if path.hasPrefix("/") || root.isEmpty || root == "." { return path }
        return root.hasSuffix("/") ? root + path : root + "/" + path
    }

    /// A path with a NUL character (`\u0000`) names no file: the system would read it only up
    /// to the NUL, so another file would be opened.
    private static func checked(_ path: String, name: String) throws -> String {
        guard !path.utf8.contains(0) else { throw RecordError("\(name) holds a NUL character (\\u0000), which no file name can") }
        return path
    }

    private static func paths(_ value: JSON, name: String) throws -> [String] {
        switch value {
        case .null: return []
        case .string(let s): return [try checked(s, name: name)]
        case .array(let items):
            return try items.enumerated().map { i, item in
                guard let s = item.stringValue else { throw RecordError("\(name)[\(i)] is \(item.kindName), expected a path string") }
                return try checked(s, name: "\(name)[\(i)]")
            }
        default: throw RecordError("\(name) is \(value.kindName), expected a path string or an array of them")
        }
    }
}
