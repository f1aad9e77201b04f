import JSONLines

/// The image paths a record names: `images` (a path string or an array of them) or, when it has
/// no `images`, `image`; or the field at `field` when given. Shared by kdsl-ocr and kdsl-model
/// so that both read the same paths and report a wrong shape in the same words.
public enum ImagePaths {
    /// The paths in order; `[]` when the field is absent or null. Throws `RecordError` when it
    /// has the wrong shape, e.g. `images[0] is a number, expected a path string`.
    public static func of(_ record: Record, field: FieldPath? = nil) throws -> [String] {
        if let field {
            guard let value = record.value(at: field) else { return [] }
            return try paths(value, name: field.description)
        }
        if let value = record.value(at: "images") { return try paths(value, name: "images") }
        if let value = record.value(at: "image") { return try paths(value, name: "image") }
        return []
    }

    /// `path` as the file to open: relative paths are joined to `root` ("" and "." both mean the
    /// current directory, so the path is left as written).
    public static func resolve(_ path: String, root: String) -> String {
        if path.hasPrefix("/") || root.isEmpty || root == "." { return path }
        return root.hasSuffix("/") ? root + path : root + "/" + path
    }

    private static func paths(_ value: JSON, name: String) throws -> [String] {
        switch value {
        case .null: return []
        case .string(let s): return [s]
        case .array(let items):
            return try items.enumerated().map { i, item in
                guard let s = item.stringValue else { throw RecordError("\(name)[\(i)] is \(item.kindName), expected a path string") }
                return s
            }
        default: throw RecordError("\(name) is \(value.kindName), expected a path string or an array of them")
        }
    }
}
