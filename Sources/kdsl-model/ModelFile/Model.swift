/// A trained model: the feature configuration and one head per task (or one joint head).
struct Model {
    var features: FeatureConfig
    /// One head trained over all tasks (`--joint`).
    var joint: Bool
    /// Heads sorted by task name; task "" is the head of records without a task.
    var heads: [Head]
    /// A human-readable line on how the model was trained (flags, counts), kept in the file.
    var info: String

    /// The head for a record of `task`: the joint head, the only head of a model trained without
    /// tasks, or the head of that task; nil when the model does not know the task.
    func head(for task: String?) -> Head? {
        if joint || (heads.count == 1 && heads[0].task.isEmpty) { return heads.first }
        let key = task ?? ""
        return heads.first(where: { $0.task == key })
    }
}
