import JSONLines

/// The `embedding` key kdsl-embed writes: the encoder's name, then one member per text view asked
/// for (in the order asked), each a sentence vector (an array of numbers) or `null` for a view
/// without text:
/// `{"encoder":"multilingual-e5-small","user":[0.0123,…],"ocr":null}`.
///
/// Each number is a Float32 component written in its shortest decimal form that reads back as the
/// same Float32 (Swift's `Float.description`: `0.04120193`, `-1.2e-05`); never NaN or infinity,
/// which JSON cannot carry (`init` refuses them).
public struct EmbeddingValue: Sendable, Equatable {
    public static let key = "embedding"

    public var encoder: String
    /// The views, in the order written: a name and its vector, nil for a view without text.
    public var views: [View]

    public struct View: Sendable, Equatable {
        public var name: String
        public var vector: [Float]?
        public init(name: String, vector: [Float]?) { self.name = name; self.vector = vector }
    }

    /// A value; a vector with a NaN or infinite component is refused (nil).
    public init?(encoder: String, views: [View]) {
        guard views.allSatisfy({ $0.vector?.allSatisfy(\.isFinite) ?? true }) else { return nil }
        self.encoder = encoder
        self.views = views
    }

    /// The vector of view `name`, if the value has one.
    public func vector(_ name: String) -> [Float]? { views.first { $0.name == name }?.vector ?? nil }

    /// The JSON form. Each component is the Double nearest its shortest Float32 decimal, so that
    /// `json.serialize` writes the same bytes as `serialize(into:)`.
    public var json: JSON {
        .object([("encoder", .string(encoder))] + views.map { view in
            (view.name, view.vector.map { v in .array(v.map { .double(Double($0.description)!) }) } ?? .null)
        })
    }

    /// Appends the value's JSON bytes (the byte writer kdsl-embed uses; equal to `json.serialize`).
    public func serialize(into out: inout [UInt8]) {
        out.append(contentsOf: #"{"encoder":"#.utf8)
        JSON.string(encoder).serialize(into: &out)
        for view in views {
            out.append(UInt8(ascii: ","))
            JSON.string(view.name).serialize(into: &out)
            out.append(UInt8(ascii: ":"))
            guard let vector = view.vector else { out.append(contentsOf: "null".utf8); continue }
            out.append(UInt8(ascii: "["))
            for (i, x) in vector.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                out.append(contentsOf: x.description.utf8)
            }
            out.append(UInt8(ascii: "]"))
        }
        out.append(UInt8(ascii: "}"))
    }

    /// Decodes an `embedding` value; `path` names the key in messages. Every member but `encoder`
    /// is a view: null, or an array of finite numbers, all vectors of one length.
    public init(json: JSON, at path: FieldPath) throws {
        guard case .object(let members) = json else { throw RecordError("'\(path)' is \(json.kindName), expected an object") }
        guard let encoder = json["encoder"]?.stringValue else { throw RecordError("'\(path).encoder' is not a string") }
        self.encoder = encoder
        views = []
        var length: Int?
        for (name, value) in members where name != "encoder" {
            if value.isNull { views.append(View(name: name, vector: nil)); continue }
            guard let items = value.arrayValue else { throw RecordError("'\(path).\(name)' is \(value.kindName), expected an array of numbers or null") }
            var vector: [Float] = []
            vector.reserveCapacity(items.count)
            for item in items {
                guard let d = item.doubleValue, let f = Optional(Float(d)), f.isFinite else {
                    throw RecordError("'\(path).\(name)' holds \(item.kindName == "a number" ? "a number out of Float32's range" : item.kindName), expected numbers")
                }
                vector.append(f)
            }
            if let length, length != vector.count {
                throw RecordError("'\(path).\(name)' has \(vector.count) numbers where another view has \(length)")
            }
            length = vector.count
            views.append(View(name: name, vector: vector))
        }
    }
}
