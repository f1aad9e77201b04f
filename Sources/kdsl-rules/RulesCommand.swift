import ArgumentParser
import JSONLines
import RecordKeys
import TextViews
import StageCLI

/// `kdsl-rules`: the rule base of KDSL (paper §2.1): mine rules by MCTS, check, show, apply, validate.
@main
struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kdsl-rules",
        abstract: "Mine, check, show, apply and validate a readable rule base (KDSL §2.1).",
        discussion: """
        A rule base is a JSON Lines file, one rule per line, that people can read and edit \
        (an example is at the end). Text views: user, agent, ocr, all, the layout views title and bottom, lines, and last (the user's last turn that says something; see docs/records.md). \
        Literals are matched on normalised text (half-width, lower case).

        Exit status: 0 ok; 1 bad records (or, for check, problems in the rule file); \
        2 usage or setup error (bad flag, unreadable or invalid rule file, failed write).

        Example:
          kdsl-rules mine train.ocr.jsonl --out rules.jsonl
          kdsl-rules apply --rules rules.jsonl test.ocr.jsonl | jq -c .rules

        A rule (one line in the file, shown here on three):
          {"id":"r1c9e0a7b3d","label":"退款页面","task":"scene",
           "when":[{"field":"ocr","contains":"退款"}],
           "reward":0.91}
        """,
        version: ProductVersion.line("kdsl-rules"),
        subcommands: [Apply.self, Mine.self, Validate.self, Check.self, Show.self])

    /// kdsl's exit statuses: usage errors exit 2 (see StageCLI).
    static func main() { stageMain(versionDetails: { ["rule file format \(RuleSet.formatVersion)"] }) }
}

extension RulesCommand {
    struct Apply: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add the `rules` key: the winning rule's label, id, reward, and every rule that fired.",
            discussion: """
            Reads: the text views (\(TextView.names)) and `task`. Writes: `rules` = \
            {"label", "id", "reward", "fired": [{"id", "label", "reward"}...]}; label, id and \
            reward are null when no rule fired. Conflict policy: the rule with the highest reward \
            wins (a rule without a reward, written by hand, ranks first), then the larger support, \
            then the smaller id; `fired` lists every fired rule in that order. A rule with a task \
            fires only on records of that task. A predicate on a view a record lacks sees empty \
            text. All literals are matched in one Aho–Corasick pass per view. \
            A rule file with any problem stops the run before the first record (exit 2).

            --explain adds `rules.explain`: the winning rule's conditions in its order, each             {"field", "contains": literal, "context": the text around its first occurrence in             that view, normalised as rules match it} or {"field", "not_contains": literal}; []             when no rule fired.

            Exit status: 0 ok; 1 bad records (forwarded with `error`); 2 usage, unreadable or invalid rule file.

            Example:
              kdsl-rules apply --rules rules.jsonl test.ocr.jsonl \\
                | jq -c '[.id, .rules.label]'

            --jobs defaults to 1: in a pipeline the other stages use the other cores, and one job \
            costs the least CPU (docs/benchmarks.md).
            """)
        @Option(help: "The rule file (JSON Lines).") var rules: String
        @OptionGroup var output: OutputFieldOption<Verdict>
        @Option(help: ArgumentHelp("Old name of --output-field.", visibility: .hidden)) var key: String?
        @Flag(help: "Add rules.explain: the winning rule's conditions and the text each literal matched (see above).")
        var explain = false
        @OptionGroup var text: TextFieldOptions
        @OptionGroup var task: TaskFieldOption
        @OptionGroup var jobs: JobsOption
        @OptionGroup var input: InputOptions
        @OptionGroup var quiet: QuietOption

        func validate() throws {
            try RenamedFlag.check(key, "--key", output.outputField, "--output-field")
            try FieldPathCheck.check(("--output-field", key))
        }

        func run() throws {
            let set = try RuleSet.load(rules)
            try ApplyStage.run(set, output: key.map { FieldPath($0) } ?? output.path, fields: RecordFields(text: text, task: task), options: input.stream,
                               jobs: jobs.count(default: 1), explain: explain)
        }
    }

    struct Mine: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Mine rules from labelled records by Monte Carlo Tree Search (KDSL §2.1).",
            discussion: """
            Reads: `label` (records without one are reported and left out), `task`, the text \
            views, and with --against the model's prediction. Writes: a rule file (stdout, or \
            --out written atomically), rules sorted by task, label, then conflict order.

            Per task and label: a state is a set of predicates (empty at the root); an action adds \
            one candidate predicate; selection by UCT with --exploration; expansion; a random \
            rollout of --rollout predicates; backpropagation of the best reward met. Rules stop \
            growing at --max-predicates.

            Candidates: in each view of --views (default user and ocr: on the WWW2025 dialogues, \
            literals of the agent's replies fit the mining folds but not held-out ones; see \
            docs/benchmarks.md), every token n-gram (n ≤ --max-n; CJK characters \
            join directly, words with a space) found in at least --min-count records is a literal. \
            For a label, "contains" candidates are the literals in at least --min-count of its \
            training records, the --candidates best by Wilson-bounded training precision; \
            "does not contain" candidates are the --negatives literals absent from the label's \
            records that occur most in other labels' records the positives cover.

            Reward: k-fold cross-fitting (--folds, stratified, seeded). The search runs on k-1 \
            folds and every rule it finds is counted on the held-out fold; a rule's reward is the \
            Wilson lower bound (quantile --z) of its precision pooled over the folds it was found \
            in. With --against PATH, the reward is instead the Wilson bound of corrections among \
            corrections + broken (a correct model prediction the rule would overturn), and 0 \
            unless corrections exceed broken. Rules under --min-reward go, then subset pruning (a \
            rule whose predicates are a superset of a better-or-equal rule's), then, unless \
            --keep-redundant, rules that label no record of their label (among the mining \
            records) that a better rule does not already label. \
            Deterministic: the same input and --seed give the same bytes. On stderr: a line per \
            label and progress (inner searches done of all, rules found, time left); --quiet: none.

            Exit status: 0 ok; 1 bad records (malformed lines, non-string labels); 2 usage or setup error.

            Example:
              jq -c 'select(.fold != 0)' train.ocr.jsonl | kdsl-rules mine > rules.jsonl
            """)
        @Option(parsing: .unconditional, help: "Most predicates in a rule.") var maxPredicates = 5
        @Option(parsing: .unconditional, help: "UCT exploration constant c.") var exploration = 1.0
        @Option(parsing: .unconditional, help: "Keep rules whose reward is at least this.") var minReward = 0.8
        @Option(parsing: .unconditional, help: "MCTS iterations per label and inner fold.") var iterations = 600
        @Option(parsing: .unconditional, help: "Random predicates added in a rollout.") var rollout = 2
        @Option(parsing: .unconditional, help: "Inner folds for cross-fitting (1: score on the mining records themselves).") var folds = 5
        @OptionGroup var seed: SeedOption
        @Option(parsing: .unconditional, help: "Normal quantile of the Wilson lower bound (1 ≈ 84% one-sided).") var z = 1.0
        @Option(help: "Text views to mine, comma-separated: \(TextView.names) (default: user,ocr).") var views: String?
        @Option(help: ArgumentHelp("Old name of --views.", visibility: .hidden)) var fields: String?
        @Option(parsing: .unconditional, help: "Longest n-gram, in tokens.") var maxN = 4
        @Option(parsing: .unconditional, help: "Fewest records a literal (and a rule) must cover.") var minCount = 2
        @Option(parsing: .unconditional, help: "\"contains\" candidates per label.") var candidates = 40
        @Option(parsing: .unconditional, help: "\"does not contain\" candidates per label.") var negatives = 15
        @Option(parsing: .unconditional, help: "At most this many rules per label (0: no limit).") var maxRules = 0
        @Flag(help: "Keep rules that add no labelled record to the better rules of their label.") var keepRedundant = false
        @OptionGroup var label: LabelFieldOption
        @Option(help: "Error-driven mining: path of the model's prediction (e.g. model.label).") var against: String?
        @OptionGroup var out: OutOption<RuleFile>
        @Option(help: "Also write each label's candidate literals (those its searches could use) as one-literal rules to this file.") var candidatesOut: String?
        @OptionGroup var quiet: QuietOption
        @OptionGroup var text: TextFieldOptions
        @OptionGroup var task: TaskFieldOption
        @OptionGroup var input: InputOptions

        func validate() throws {
            guard (1...10).contains(maxPredicates) else { throw ValidationError("--max-predicates must be 1...10") }
            guard folds >= 1, iterations >= 1, rollout >= 0, maxN >= 1, minCount >= 1, candidates >= 1, negatives >= 0, maxRules >= 0 else {
                throw ValidationError("--folds, --iterations, --max-n, --min-count, --candidates must be ≥ 1; --rollout, --negatives, --max-rules ≥ 0")
            }
            guard exploration >= 0, z >= 0, (0...1).contains(minReward) else { throw ValidationError("--exploration and --z must be ≥ 0, --min-reward in [0, 1]") }
            try RenamedFlag.check(fields, "--fields", views, "--views")
            _ = try viewList()
        }

        /// The views `--views` (or its old name `--fields`) names, in order.
        func viewList() throws -> [TextView] {
            guard let list = fields ?? views else { return MineOptions().views }
            let names = list.split(separator: ",").map { String($0).trimmingCharacters() }
            let parsed = try names.map { n -> TextView in
                guard let v = TextView(rawValue: n) else { throw ValidationError("--views: unknown view \"\(n)\" (known: \(TextView.names))") }
                return v
            }
            guard !parsed.isEmpty else { throw ValidationError("--views is empty") }
            return parsed
        }

        func run() throws {
            var o = MineOptions()
            o.maxPredicates = maxPredicates; o.exploration = exploration; o.minReward = minReward
            o.iterations = iterations; o.rolloutDepth = rollout; o.folds = folds; o.seed = seed.seed; o.z = z
            o.views = try viewList(); o.maxN = maxN; o.minCount = minCount
            o.positiveCandidates = candidates; o.negativeCandidates = negatives; o.against = against
            o.maxRulesPerLabel = maxRules; o.keepRedundant = keepRedundant
            try MineStage.run(o, fields: RecordFields(text: text, task: task, label: label), out: out.out, candidatesOut: candidatesOut,
                              stream: input.stream)
        }
    }

    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-score every rule on labelled records and drop those under --min-reward (KDSL §2.1's last pass).",
            discussion: """
            Reads: a rule file and labelled records (`label`, `task`, text views; with --against, \
            the model's prediction). Writes: the rule file with reward, precision, hits, support \
            (and broken) recomputed on these records, in the same order, without the rules under \
            --min-reward (stdout, or --out atomically). A rule that fires on no record cannot be \
            judged: it is kept unchanged, with a warning. Records without a label are reported \
            and left out.

            Exit status: 0 ok; 1 bad records; 2 usage, unreadable or invalid rule file.

            Example:
              jq -c 'select(.fold != 0)' train.ocr.jsonl | kdsl-rules mine > rules.jsonl
              jq -c 'select(.fold == 0)' train.ocr.jsonl \\
                | kdsl-rules validate --rules rules.jsonl --out validated.jsonl
            """)
        @Option(help: "The rule file to re-score.") var rules: String
        @Option(parsing: .unconditional, help: "Keep rules whose reward is at least this.") var minReward = 0.8
        @Option(parsing: .unconditional, help: "Normal quantile of the Wilson lower bound.") var z = 1.0
        @OptionGroup var label: LabelFieldOption
        @Option(help: "Score as error-driven rules against this prediction path (e.g. model.label).") var against: String?
        @OptionGroup var out: OutOption<RuleFile>
        @OptionGroup var text: TextFieldOptions
        @OptionGroup var task: TaskFieldOption
        @OptionGroup var input: InputOptions
        @OptionGroup var quiet: QuietOption

        func run() throws {
            let set = try RuleSet.load(rules)
            try RuleReport.validate(set, minReward: minReward, z: z, fields: RecordFields(text: text, task: task, label: label), against: against,
                                    out: out.out, stream: input.stream)
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a rule file: every problem is listed with its line.",
            discussion: """
            Exit status: 0 the file is valid (an empty file is valid, with a warning); 1 problems \
            were found (each printed as `FILE: line N: ...`); 2 usage error or unreadable file.

            Example:
              kdsl-rules check rules.jsonl \\
                && kdsl-rules apply --rules rules.jsonl < test.ocr.jsonl
            """)
        @Argument(help: "The rule file; - for stdin.") var rules: String
        @OptionGroup var quiet: QuietOption

        func run() throws { try RuleReport.check(rules) }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a rule base for people: one rule a line, in words, with its statistics.",
            discussion: """
            Rules are sorted by task and label, each label's rules in the order apply tries them \
            (conflict order). Each line gives the rule's id, task, reward, precision, hits, \
            support (and broken, folds, when the file has them; - where a rule lacks one), then \
            the rule as a sentence; columns are aligned by display width (a CJK character takes \
            two). A literal is quoted as in JSON: its spaces count. With --format symbols the \
            rules are grouped under their task and label and the predicates are written \
            `user ∋ "退款" ∧ ocr ∌ "已签收"` (∋ contains, ∌ does not contain, ∧ and). \
            The rule file itself is unchanged: show only reads it.

            Output (a rule of two predicates, one line in the output, cut here at 80 columns):
              id           task    reward  precision  hits  support  rule
              r945b6f4932  intent   0.857      1.000     6        6  IF user contains "信号"
                AND user does not contain "吗" THEN label = 信号情况

            Exit status: 0 ok; 2 usage error, unreadable or invalid rule file.

            Example:
              kdsl-rules show rules.jsonl | head -20
            """)
        @Argument(help: "The rule file; - for stdin.") var rules: String
        @Option(help: "words (IF user contains \"退款\" THEN label = 退款) or symbols (user ∋ \"退款\").")
        var format: RuleReport.ShowFormat = .words

        func run() throws { try RuleReport.show(try RuleSet.load(rules), format: format) }
    }
}

extension RuleReport.ShowFormat: ExpressibleByArgument {}

/// What apply writes into each record: the verdict, at `rules` unless --output-field moves it.
enum Verdict: OutputKey {
    static let key = RulesValue.key
    static let written = "the verdict"
}

/// What mine and validate write to --out (else stdout): the rule file.
enum RuleFile: OutputFile {
    static let written = "the rules"
}

extension String {
    func trimmingCharacters() -> String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
