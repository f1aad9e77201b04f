/// The `error` key a stage attaches to a bad record (docs/records.md): `{"stage", "file", "line",
/// "message"}` plus `"raw"` (the line as text) when the line was not a JSON object. The one type
/// that names the key (`key`), writes its value (`json`) and tells it from a user's own field of
/// that name (`init?(json:)`); every record loop forwards a bad line with it (`BadLine`).
public struct StageErrorValue: Sendable, Equatable {
    /// The key the value is written under: `error`.
    public static let key = "error"

    public var stage: String
    public var file: String?
    public var line: Int
    public var message: String
    public var raw: String?

    public init(stage: String, location: SourceLocation, message: String, raw: [UInt8]? = nil) {
        self.stage = stage
        self.file = location.file
        self.line = location.line
        self.message = message
        self.raw = raw.map { String(decoding: $0, as: UTF8.self) }
    }

    /// The value as stages write it, members in this order.
    public var json: JSON {
        var members: [(String, JSON)] = [("stage", .string(stage))]
        if let file { members.append(("file", .string(file))) }
        members.append(("line", .int(Int64(line))))
        members.append(("message", .string(message)))
        if let raw { members.append(("raw", .string(raw))) }
        return .object(members)
    }

    /// The error a stage wrote, or nil when `json` is not one (a user's own `error` field: a
    /// string, or an object without a `stage` that names a kdsl stage and a `message`). `line` is
    /// 0 when absent.
    public init?(json: JSON) {
        guard case .string(let stage)? = json["stage"], stage.hasPrefix("kdsl-"),
              case .string(let message)? = json["message"] else { return nil }
        self.stage = stage
        self.file = json["file"]?.stringValue
        if case .int(let line)? = json["line"] { self.line = Int(line) } else { self.line = 0 }
        self.message = message
        self.raw = json["raw"]?.stringValue
    }
}
