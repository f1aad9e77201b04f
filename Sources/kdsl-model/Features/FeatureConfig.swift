import TextViews

/// How text and images become features; stored in the model file so that predict sees records
/// exactly as train did.
struct FeatureConfig: Equatable, Sendable {
    /// Text views (TextViews' `RecordText`), each its own namespace.
    var views: [TextView] = [.user, .agent, .ocr]
    /// Token n-grams 1...wordNgrams (CJK characters are tokens, so these are character n-grams there).
    var wordNgrams = 2
    /// Character n-grams of each non-CJK word, with boundary marks; `charMax == 0` turns them off.
    var charMin = 3
    var charMax = 5
    /// Hash space: feature ids are `bits`-bit hashes (≤ 31).
    var bits = 24
    /// tf → 1 + ln tf.
    var sublinear = true
    /// Multiply by the smoothed idf of the head's training records (as scikit-learn's TfidfTransformer).
    var idf = true
    /// Use image features.
    var images = true
    /// Append the layout summary (`ScreenLayout.features`, from `ocr.images[i].lines`) to the image
    /// block, as its own standardisation group.
    var layout = false
    /// Norm of the standardised image block next to the unit-length text namespaces; negative:
    /// chosen per head by inner cross-validation (`--image-weight auto`).
    var imageWeight: Float = -1
    /// Add the record's task as a feature (joint mode: one head must tell the tasks apart).
    var taskFeature = false

    /// Whether records have a dense block (image features, the layout summary, or both).
    var hasDense: Bool { images || layout }

    /// Length of the dense block: the image features when `images`, then the layout summary when `layout`.
    var denseCount: Int { (images ? ImageFeatures.count : 0) + (layout ? ScreenLayout.featureNames.count : 0) }

    /// The dense block's standardisation groups (each gets an equal share of its norm).
    var denseGroups: [Range<Int>] {
        (images ? ImageFeatures.groups : []) + (layout ? [(images ? ImageFeatures.count : 0)..<denseCount] : [])
    }

    /// A dense block as the horizontally flipped image would give it (`--augment flip`): the
    /// image features mirrored; the layout summary is symmetric and stays.
    func flipped(_ dense: [Float]) -> [Float] {
        guard images else { return dense }
        return ImageFeatures.flipped(dense)
    }

    /// Whether a head with view mask `views` (bit i: `views[i]`) reads namespace `ns`; the task
    /// namespace (after the views) is always read.
    @inline(__always) func keeps(namespace ns: Int, views mask: UInt32) -> Bool {
        ns >= views.count || mask & (1 << UInt32(ns)) != 0
    }

    /// Segments of `RawText.ends` per view: word unigrams, character n-grams, word n-grams of
    /// order ≥ 2 (a head may leave out either of the last two).
    static let segmentsPerView = 3

    /// Whether a head reads segment `segment` of `RawText.ends` (three per view, then the task);
    /// `chars`: character n-grams too; `higher`: word n-grams of order ≥ 2 too.
    @inline(__always) func keeps(segment: Int, views mask: UInt32, higher: Bool, chars: Bool) -> Bool {
        let per = FeatureConfig.segmentsPerView
        if segment >= per * views.count { return true }
        guard keeps(namespace: segment / per, views: mask) else { return false }
        switch segment % per {
        case 0: return true
        case 1: return chars
        default: return higher
        }
    }

    /// The names of the views in `mask`, comma-separated (notes and the model's info line).
    func viewNames(_ mask: UInt32) -> String {
        views.indices.filter { mask & (1 << UInt32($0)) != 0 }.map { views[$0].rawValue }.joined(separator: ",")
    }

    /// The mask of every configured view.
    var allViews: UInt32 { views.count >= 32 ? .max : (1 << UInt32(views.count)) - 1 }
}
