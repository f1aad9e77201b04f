import JSONLines
import RecordKeys

/// Where a record keeps what the stages read: the gold label, the task, the three text sources of
/// the views, and the image paths. One value for every stage (`--label-field`, `--task-field`,
/// `--text-field`, `--dialogue-field`, `--ocr-field`, `--images-field`), defaults as in
/// docs/records.md.
public struct RecordFields: Sendable, Equatable {
    public var label: FieldPath = "label"
    public var task: FieldPath = "task"
    public var text: FieldPath = "text"
    public var dialogue: FieldPath = "dialogue"
    public var ocr: FieldPath = OCRValue.textPath
    /// `--images-field`; nil: the default, `images`, else `image` (Images' `ImagePaths`, which
    /// kdsl-ocr and kdsl-model read image paths through).
    public var images: FieldPath? = nil

    public init() {}

    /// The record's text views as Strings (the reference `TextBytes` is held to).
    public func recordText(_ r: Record) -> RecordText {
        RecordText(r, text: text, dialogue: dialogue, ocr: ocr)
    }

    /// A text field of the wrong type (`RecordText.typeProblem`), in the words every stage reports.
    public func typeProblem(_ r: Record) -> String? {
        RecordText.typeProblem(r, text: text, dialogue: dialogue, ocr: ocr)
    }
}
