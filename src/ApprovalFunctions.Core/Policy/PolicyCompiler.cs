using System.Text.Json;
using System.Text.Json.Nodes;
using ApprovalFunctions.Core.Json;
using ApprovalFunctions.Core.Policy.Conditions;
using ApprovalFunctions.Core.Policy.Source;

namespace ApprovalFunctions.Core.Policy;

/// <summary>
/// Turns policy files into a <see cref="PolicySet"/>. Every problem is collected with its position, so one run
/// reports them all; nothing is compiled from a set that has any.
/// </summary>
internal sealed class PolicyCompiler
{
    private static readonly string[] FileKeys = ["policy", "version", "description", "parameters", "defaults", "rules"];
    private static readonly string[] DefaultsKeys = ["effect", "reason", "approval", "mask"];
    private static readonly string[] RuleKeys = ["id", "description", "if", "then"];
    private static readonly string[] ThenKeys = ["effect", "reason", "approval", "mask"];
    private static readonly string[] ApprovalKeys =
        ["approvers", "minApprovals", "timeout", "remindAfter", "escalateAfter", "escalateTo", "extendBy", "onTimeout", "excludeManagerChain"];

    private static readonly TimeSpan MaxWait = TimeSpan.FromDays(30);
    private const int MaxMinApprovals = 50;

    private readonly List<PolicyDiagnostic> _diagnostics = [];
    private readonly Dictionary<string, (SourceNode Node, string Canonical)> _parameters = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _slots = new(StringComparer.Ordinal);
    private readonly List<FieldPath> _fields = [];

    public static PolicySet? Compile(IEnumerable<PolicySource> sources, out IReadOnlyList<PolicyDiagnostic> diagnostics)
    {
        Check.NotNull(sources);
        var compiler = new PolicyCompiler();
        PolicySet? set = compiler.Run(sources.OrderBy(s => s.Path, StringComparer.Ordinal).ToList());
        diagnostics = compiler._diagnostics
            .OrderBy(d => d.Position.File, StringComparer.Ordinal).ThenBy(d => d.Position.Line).ThenBy(d => d.Position.Column)
            .ToList();
        return diagnostics.Count == 0 ? set : null;
    }

    private PolicySet? Run(List<PolicySource> sources)
    {
        if (sources.Count == 0)
        {
            Error(new SourcePosition("(policy set)", 1, 1), "no policy files were found (*.yaml, *.yml or *.json, not *.tests.*)");
            return null;
        }

        var files = new List<MapNode>();
        bool allRead = true;
        foreach (PolicySource source in sources)
        {
            SourceNode? root = SourceReader.Read(source.Path, source.Text, _diagnostics);
            if (root is null)
            {
                allRead = false;
                continue;
            }

            if (root is not MapNode map)
            {
                Error(root.Position, $"a policy file is a mapping with keys {string.Join(", ", FileKeys)}; found {root.KindName}");
                continue;
            }

            CheckKeys(map, FileKeys, "a policy file");
            files.Add(map);
        }

        var names = new List<JsonNode>();
        foreach (MapNode file in files)
        {
            if (RequiredString(file, "policy", "a policy file") is string name)
            {
                names.Add(new JsonObject
                {
                    ["policy"] = name,
                    ["version"] = file["version"]?.ToJson(),
                    ["description"] = file["description"]?.ToJson(),
                });
            }

            ReadParameters(file);
        }

        // Defaults: at most one file may define them.
        MapNode? defaultsNode = null;
        foreach (MapNode file in files)
        {
            if (file["defaults"] is not SourceNode node)
            {
                continue;
            }

            if (defaultsNode is not null)
            {
                Error(node.Position, $"defaults are already defined at {defaultsNode.Position}; a policy set has one defaults block");
            }
            else if (node is MapNode map)
            {
                defaultsNode = map;
                CheckKeys(map, DefaultsKeys, "defaults");
            }
            else
            {
                Error(node.Position, $"defaults must be a mapping; found {node.KindName}");
            }
        }

        PolicyEffect defaultEffect = PolicyEffect.RequireApproval;
        ApprovalSpec? defaultSpec = null;
        string? defaultReason = null;
        IReadOnlyList<string> defaultMask = [];
        if (defaultsNode is not null)
        {
            defaultEffect = defaultsNode["effect"] is SourceNode e ? ReadEffect(e) ?? PolicyEffect.RequireApproval : PolicyEffect.RequireApproval;
            defaultReason = OptionalString(defaultsNode, "reason");
            defaultSpec = defaultsNode["approval"] is SourceNode a ? ReadApproval(a) : null;
            defaultMask = ReadMask(defaultsNode["mask"]);
        }

        ResolvedApproval? defaultApproval = null;
        if (defaultEffect == PolicyEffect.RequireApproval && (allRead || defaultsNode is not null))
        {
            SourcePosition at = defaultsNode?.Position ?? files.FirstOrDefault()?.Position ?? new SourcePosition(sources[0].Path, 1, 1);
            if (defaultSpec?.Approvers is null)
            {
                Error(at, "the default effect is requireApproval (the fail-safe default) but defaults.approval names no approvers");
            }
            else
            {
                defaultApproval = Resolve(defaultSpec, null, at);
            }
        }

        // Rules.
        var rules = new List<CompiledRule>();
        var ruleNodes = new List<JsonNode>();
        var ids = new Dictionary<string, SourcePosition>(StringComparer.OrdinalIgnoreCase);
        foreach (MapNode file in files)
        {
            if (file["rules"] is not SourceNode rulesNode || rulesNode is ScalarNode { Kind: ScalarKind.Null })
            {
                continue;
            }

            if (rulesNode is not SeqNode list)
            {
                Error(rulesNode.Position, $"rules must be a list; found {rulesNode.KindName}");
                continue;
            }

            foreach (SourceNode item in list.Items)
            {
                if (item is not MapNode ruleMap)
                {
                    Error(item.Position, $"a rule is a mapping with keys {string.Join(", ", RuleKeys)}; found {item.KindName}");
                    continue;
                }

                // Ids are checked for uniqueness (case-insensitively) whether or not the rest of the rule is valid.
                if (ruleMap["id"] is ScalarNode { Kind: ScalarKind.String } idNode && !ids.TryAdd(idNode.Text, ruleMap.Position))
                {
                    Error(ruleMap.Position, $"duplicate rule id {LogText.Quote(idNode.Text)}; first defined at {ids[idNode.Text]}");
                }

                CompiledRule? rule = ReadRule(ruleMap, defaultSpec);
                if (rule is null)
                {
                    continue;
                }

                rules.Add(rule);
                ruleNodes.Add(ruleMap.ToJson());
            }
        }

        if (_diagnostics.Count > 0)
        {
            return null;
        }

        rules.Sort((a, b) => string.CompareOrdinal(a.Id, b.Id));
        string hash = Hash(names, defaultsNode, ruleNodes);
        string[] policyNames = names.Select(n => (string)n["policy"]!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        return new PolicySet(hash, policyNames, [.. rules], [.. _fields], defaultEffect, defaultReason, defaultApproval, defaultMask);
    }

    private string Hash(List<JsonNode> names, MapNode? defaults, List<JsonNode> rules)
    {
        var parameters = new JsonObject();
        foreach (KeyValuePair<string, (SourceNode Node, string Canonical)> p in _parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            parameters[p.Key] = p.Value.Node.ToJson();
        }

        var content = new JsonObject
        {
            // Several files may share a name; the set is identified by its distinct names, not its file count.
            ["policies"] = new JsonArray([.. names.DistinctBy(Canonical, StringComparer.Ordinal).OrderBy(Canonical, StringComparer.Ordinal)]),
            ["parameters"] = parameters,
            ["defaults"] = defaults?.ToJson(),
            ["rules"] = new JsonArray([.. rules.OrderBy(r => (string)r["id"]!, StringComparer.Ordinal)]),
        };
        using JsonDocument document = JsonDocument.Parse(content.ToJsonString());
        return JsonCanonicalizer.Sha256Digest(document.RootElement);
    }

    private static string Canonical(JsonNode? node)
    {
        using JsonDocument document = JsonDocument.Parse(node?.ToJsonString() ?? "null");
        return JsonCanonicalizer.CanonicalizeToString(document.RootElement);
    }

    private void ReadParameters(MapNode file)
    {
        if (file["parameters"] is not SourceNode node || node is ScalarNode { Kind: ScalarKind.Null })
        {
            return;
        }

        if (node is not MapNode map)
        {
            Error(node.Position, $"parameters must be a mapping of names to values; found {node.KindName}");
            return;
        }

        foreach ((ScalarNode key, SourceNode value) in map.Entries)
        {
            if (!IsIdentifier(key.Text))
            {
                Error(key.Position, $"parameter name {LogText.Quote(key.Text)} must be letters, digits and _ and start with a letter");
                continue;
            }

            bool valid = value switch
            {
                ScalarNode s when s.Kind != ScalarKind.Null => true,
                SeqNode seq => HomogeneousScalars(seq, $"parameter {key.Text}"),
                _ => Fail(value.Position, $"parameter {key.Text} must be a string, number, boolean or a list of them"),
            };
            if (!valid)
            {
                continue;
            }

            string canonical = Canonical(value.ToJson());
            if (_parameters.TryGetValue(key.Text, out var existing))
            {
                if (!string.Equals(existing.Canonical, canonical, StringComparison.Ordinal))
                {
                    Error(key.Position, $"parameter {key.Text} conflicts with its definition at {existing.Node.Position}");
                }

                continue;
            }

            _parameters[key.Text] = (value, canonical);
        }
    }

    private CompiledRule? ReadRule(MapNode map, ApprovalSpec? defaults)
    {
        CheckKeys(map, RuleKeys, "a rule");
        string? id = RequiredString(map, "id", "a rule");
        if (id is not null && !IsRuleId(id))
        {
            Error(map["id"]!.Position, $"rule id {LogText.Quote(id)} must be letters, digits, '.', '_' or '-' (at most 128), starting with a letter or digit");
            id = null;
        }

        Condition? condition = map["if"] is SourceNode ifNode ? ReadCondition(ifNode) : Missing(map, "if", "a rule");
        if (map["then"] is not SourceNode thenNode)
        {
            Error(map.Position, "a rule needs 'then'");
            return null;
        }

        if (thenNode is not MapNode then)
        {
            Error(thenNode.Position, $"then must be a mapping with keys {string.Join(", ", ThenKeys)}; found {thenNode.KindName}");
            return null;
        }

        CheckKeys(then, ThenKeys, "then");
        PolicyEffect? effect = then["effect"] is SourceNode e ? ReadEffect(e) : MissingEffect(then);
        string? reason = OptionalString(then, "reason");
        IReadOnlyList<string> mask = ReadMask(then["mask"]);
        ResolvedApproval? approval = null;
        if (then["approval"] is SourceNode approvalNode)
        {
            if (effect is PolicyEffect.RequireApproval)
            {
                ApprovalSpec? spec = ReadApproval(approvalNode);
                approval = spec is null ? null : Resolve(spec, defaults, approvalNode.Position);
            }
            else if (effect is not null)
            {
                Error(approvalNode.Position, $"approval is only meaningful with effect requireApproval, not {PolicySet.Name(effect.Value)}");
            }
        }
        else if (effect is PolicyEffect.RequireApproval)
        {
            approval = defaults?.Approvers is null
                ? Fail<ResolvedApproval>(then.Position, "effect requireApproval needs approvers: give then.approval.approvers or defaults.approval.approvers")
                : Resolve(defaults, null, then.Position);
        }

        if (id is null || condition is null || effect is null || (effect == PolicyEffect.RequireApproval && approval is null))
        {
            return null;
        }

        return new CompiledRule(id, effect.Value, reason, condition, approval, mask, map.Position);
    }

    private PolicyEffect? MissingEffect(MapNode then)
    {
        Error(then.Position, "then needs 'effect' (allow, deny or requireApproval)");
        return null;
    }

    private PolicyEffect? ReadEffect(SourceNode node) => node is ScalarNode { Kind: ScalarKind.String } s
        ? s.Text switch
        {
            "allow" => PolicyEffect.Allow,
            "deny" => PolicyEffect.Deny,
            "requireApproval" => PolicyEffect.RequireApproval,
            _ => Fail<PolicyEffect?>(node.Position, $"effect must be allow, deny or requireApproval, not {LogText.Quote(s.Text)}"),
        }
        : Fail<PolicyEffect?>(node.Position, $"effect must be allow, deny or requireApproval; found {node.KindName}");

    private Condition? ReadCondition(SourceNode node)
    {
        if (node is not MapNode map)
        {
            return Fail<Condition>(node.Position, $"a condition is a mapping (allOf, anyOf, not, or field with an operator); found {node.KindName}");
        }

        foreach (string combinator in (ReadOnlySpan<string>)["allOf", "anyOf", "not"])
        {
            if (map[combinator] is not SourceNode inner)
            {
                continue;
            }

            if (map.Entries.Count != 1)
            {
                return Fail<Condition>(map.Position, $"{combinator} must be the only key of its condition");
            }

            if (combinator == "not")
            {
                Condition? negated = ReadCondition(inner);
                return negated is null ? null : new NotCondition(negated);
            }

            if (inner is not SeqNode items || items.Items.Count == 0)
            {
                return Fail<Condition>(inner.Position, $"{combinator} must be a non-empty list of conditions");
            }

            var compiled = new List<Condition>();
            bool ok = true;
            foreach (SourceNode item in items.Items)
            {
                Condition? c = ReadCondition(item);
                ok &= c is not null;
                if (c is not null)
                {
                    compiled.Add(c);
                }
            }

            return !ok ? null : combinator == "allOf" ? new AllOfCondition([.. compiled]) : new AnyOfCondition([.. compiled]);
        }

        return ReadLeaf(map);
    }

    private LeafCondition? ReadLeaf(MapNode map)
    {
        if (map["field"] is not SourceNode fieldNode)
        {
            return Fail<LeafCondition>(map.Position, $"a condition needs allOf, anyOf, not, or field with one operator ({string.Join(", ", Operators.ByName.Keys)})");
        }

        OperatorKind? op = null;
        SourceNode? operand = null;
        foreach ((ScalarNode key, SourceNode entryValue) in map.Entries)
        {
            if (key.Text == "field")
            {
                continue;
            }

            if (!Operators.ByName.TryGetValue(key.Text, out OperatorKind kind))
            {
                return Fail<LeafCondition>(key.Position, $"unknown operator {LogText.Quote(key.Text)}; operators are {string.Join(", ", Operators.ByName.Keys)}");
            }

            if (op is not null)
            {
                return Fail<LeafCondition>(key.Position, $"a condition has one operator; found {Operators.Name(op.Value)} and {key.Text}");
            }

            op = kind;
            operand = entryValue;
        }

        if (op is null)
        {
            return Fail<LeafCondition>(map.Position, $"the condition on field has no operator ({string.Join(", ", Operators.ByName.Keys)})");
        }

        if (fieldNode is not ScalarNode { Kind: ScalarKind.String } fieldText)
        {
            return Fail<LeafCondition>(fieldNode.Position, $"field must be a string path such as data.sourceRegion; found {fieldNode.KindName}");
        }

        FieldPath? path = FieldPath.TryParse(fieldText.Text, out string? pathError);
        if (path is null)
        {
            return Fail<LeafCondition>(fieldNode.Position, pathError!);
        }

        string name = Operators.Name(op.Value);
        Literal value = default;
        Literal[] values = [];
        if (Operators.TakesList(op.Value))
        {
            Literal[]? list = ReadList(operand!, name);
            if (list is null)
            {
                return null;
            }

            values = list;
        }
        else
        {
            Literal? scalar = ReadScalar(operand!, name);
            if (scalar is null)
            {
                return null;
            }

            value = scalar.Value;
            string? problem = op.Value switch
            {
                OperatorKind.Exists when value.Kind != FieldKind.Boolean => "exists takes true or false",
                OperatorKind.Like or OperatorKind.NotLike when value.Kind != FieldKind.String => $"{name} takes a string pattern (* and ?)",
                _ when Operators.IsOrdering(op.Value) && value.Kind == FieldKind.Boolean => $"{name} takes a number or a string",
                _ => null,
            };
            if (problem is not null)
            {
                return Fail<LeafCondition>(operand!.Position, problem);
            }
        }

        return new LeafCondition(Slot(path), path.Text, op.Value, value, values);
    }

    private int Slot(FieldPath path)
    {
        if (!_slots.TryGetValue(path.Text, out int slot))
        {
            slot = _fields.Count;
            _fields.Add(path);
            _slots[path.Text] = slot;
        }

        return slot;
    }

    private Literal? ReadScalar(SourceNode node, string op)
    {
        SourceNode resolved = ResolveParameter(node, out bool failed);
        if (failed)
        {
            return null;
        }

        if (resolved is not ScalarNode scalar)
        {
            return Fail<Literal?>(node.Position, $"{op} takes a single value; found {resolved.KindName}");
        }

        return scalar.Kind switch
        {
            ScalarKind.Null => Fail<Literal?>(node.Position, $"{op} cannot compare with null; use exists: false to test for a missing field"),
            _ => ToLiteral(scalar),
        };
    }

    private Literal[]? ReadList(SourceNode node, string op)
    {
        SourceNode resolved = ResolveParameter(node, out bool failed);
        if (failed)
        {
            return null;
        }

        var items = new List<Literal>();
        IEnumerable<SourceNode> elements = resolved is SeqNode seq ? seq.Items : [resolved];
        foreach (SourceNode element in elements)
        {
            SourceNode item = ResolveParameter(element, out failed);
            if (failed)
            {
                return null;
            }

            // A parameter that is itself a list is spliced in: in: [$euRegions, uksouth].
            foreach (SourceNode leaf in item is SeqNode inner ? inner.Items : [item])
            {
                if (leaf is not ScalarNode { Kind: not ScalarKind.Null } scalar)
                {
                    return Fail<Literal[]>(leaf.Position, $"{op} takes a list of strings, numbers or booleans; found {leaf.KindName}");
                }

                items.Add(ToLiteral(scalar));
            }
        }

        if (items.Count == 0)
        {
            return Fail<Literal[]>(node.Position, $"{op} needs at least one value");
        }

        if (items.Any(i => i.Kind != items[0].Kind))
        {
            return Fail<Literal[]>(node.Position, $"the values of {op} must all be of one kind (all strings, all numbers or all booleans)");
        }

        return [.. items];
    }

    private static Literal ToLiteral(ScalarNode scalar) => scalar.Kind switch
    {
        ScalarKind.Number => new Literal(FieldKind.Number, null, scalar.Number, false),
        ScalarKind.Boolean => new Literal(FieldKind.Boolean, null, 0, scalar.Boolean),
        _ => new Literal(FieldKind.String, Unescape(scalar.Text), 0, false),
    };

    private static string Unescape(string text) => text.StartsWith("$$", StringComparison.Ordinal) ? text[1..] : text;

    /// <summary><c>$name</c> refers to a parameter; <c>$$</c> starts a literal string beginning with <c>$</c>.</summary>
    private SourceNode ResolveParameter(SourceNode node, out bool failed)
    {
        failed = false;
        if (node is not ScalarNode { Kind: ScalarKind.String } scalar || !scalar.Text.StartsWith('$') || scalar.Text.StartsWith("$$", StringComparison.Ordinal))
        {
            return node;
        }

        string name = scalar.Text[1..];
        if (_parameters.TryGetValue(name, out var parameter))
        {
            return parameter.Node;
        }

        failed = true;
        string known = _parameters.Count == 0 ? "the set defines none" : "defined: " + string.Join(", ", _parameters.Keys.Order(StringComparer.Ordinal));
        Error(node.Position, $"unknown parameter {LogText.Quote(scalar.Text)} ({known})");
        return node;
    }

    private ApprovalSpec? ReadApproval(SourceNode node)
    {
        if (node is not MapNode map)
        {
            return Fail<ApprovalSpec>(node.Position, $"approval must be a mapping with keys {string.Join(", ", ApprovalKeys)}; found {node.KindName}");
        }

        int errorsBefore = _diagnostics.Count;
        CheckKeys(map, ApprovalKeys, "approval");
        IReadOnlyList<string>? approvers = map["approvers"] is SourceNode a ? ReadApprovers(a, "approvers") : null;
        int? min = null;
        if (map["minApprovals"] is SourceNode m)
        {
            min = m is ScalarNode { Kind: ScalarKind.Number } n && n.Number == Math.Floor(n.Number) && n.Number is >= 1 and <= MaxMinApprovals
                ? (int)n.Number
                : Fail<int?>(m.Position, $"minApprovals must be a whole number from 1 to {MaxMinApprovals}");
        }

        TimeSpan? timeout = ReadDuration(map, "timeout", allowZero: false);
        TimeSpan? remind = ReadDuration(map, "remindAfter", allowZero: false);
        TimeSpan? escalateAfter = ReadDuration(map, "escalateAfter", allowZero: false);
        TimeSpan? extendBy = ReadDuration(map, "extendBy", allowZero: true);
        IReadOnlyList<string>? escalateTo = map["escalateTo"] is SourceNode t ? ReadApprovers(t, "escalateTo") : null;
        TimeoutOutcome? onTimeout = null;
        if (map["onTimeout"] is SourceNode o)
        {
            onTimeout = o is ScalarNode { Kind: ScalarKind.String, Text: "reject" } ? TimeoutOutcome.Reject
                : o is ScalarNode { Kind: ScalarKind.String, Text: "approve" } ? TimeoutOutcome.Approve
                : Fail<TimeoutOutcome?>(o.Position, "onTimeout must be reject or approve");
        }

        bool? exclude = null;
        if (map["excludeManagerChain"] is SourceNode x)
        {
            exclude = x is ScalarNode { Kind: ScalarKind.Boolean } b ? b.Boolean : Fail<bool?>(x.Position, "excludeManagerChain must be true or false");
        }

        if (min is int count && approvers is not null && approvers.All(r => r.StartsWith("user:", StringComparison.Ordinal)) && count > approvers.Count)
        {
            Error(map["minApprovals"]!.Position, $"minApprovals is {count} but only {approvers.Count} named user(s) can approve");
        }

        if ((escalateAfter is null) != (escalateTo is null))
        {
            Error(map.Position, "escalateAfter and escalateTo go together: give both or neither");
        }

        if (extendBy is not null && escalateAfter is null && map["extendBy"] is SourceNode ext)
        {
            Error(ext.Position, "extendBy extends the deadline on escalation; it needs escalateAfter and escalateTo");
        }

        if (_diagnostics.Count > errorsBefore)
        {
            return null;
        }

        return new ApprovalSpec(approvers, min, timeout, remind, escalateAfter, escalateTo, extendBy, onTimeout, exclude, map.Position);
    }

    /// <summary>Fills what a rule leaves out from the defaults, then checks the timing fits together.</summary>
    private ResolvedApproval? Resolve(ApprovalSpec rule, ApprovalSpec? defaults, SourcePosition at)
    {
        IReadOnlyList<string>? approvers = rule.Approvers ?? defaults?.Approvers;
        if (approvers is null)
        {
            return Fail<ResolvedApproval>(at, "approval names no approvers and defaults.approval has none");
        }

        int min = rule.Approvers is not null ? rule.MinApprovals ?? 1 : rule.MinApprovals ?? defaults?.MinApprovals ?? 1;
        TimeSpan timeout = rule.Timeout ?? defaults?.Timeout ?? PolicySet.DefaultTimeout;
        bool ownEscalation = rule.EscalateAfter is not null;
        TimeSpan? remind = rule.RemindAfter ?? defaults?.RemindAfter;
        TimeSpan? escalateAfter = ownEscalation ? rule.EscalateAfter : defaults?.EscalateAfter;
        IReadOnlyList<string> escalateTo = (ownEscalation ? rule.EscalateTo : defaults?.EscalateTo) ?? [];
        TimeSpan extendBy = (ownEscalation ? rule.ExtendBy : defaults?.ExtendBy) ?? TimeSpan.Zero;

        // Timing written in this block must fit its timeout; timing inherited from the defaults is dropped when it cannot happen.
        if (remind >= timeout)
        {
            if (rule.RemindAfter is not null)
            {
                Error(at, $"remindAfter ({IsoDuration.Format(remind.Value)}) must be shorter than timeout ({IsoDuration.Format(timeout)})");
            }

            remind = null;
        }

        if (escalateAfter >= timeout)
        {
            if (ownEscalation)
            {
                Error(at, $"escalateAfter ({IsoDuration.Format(escalateAfter.Value)}) must be shorter than timeout ({IsoDuration.Format(timeout)})");
            }

            escalateAfter = null;
            escalateTo = [];
            extendBy = TimeSpan.Zero;
        }

        return new ResolvedApproval(approvers, min, timeout, remind, escalateAfter, escalateTo, extendBy,
            rule.OnTimeout ?? defaults?.OnTimeout ?? TimeoutOutcome.Reject,
            rule.ExcludeManagerChain ?? defaults?.ExcludeManagerChain ?? false);
    }

    private IReadOnlyList<string>? ReadApprovers(SourceNode node, string what)
    {
        if (node is not SeqNode seq || seq.Items.Count == 0)
        {
            return Fail<IReadOnlyList<string>>(node.Position, $"{what} must be a non-empty list such as [\"group:security-oncall\", \"user:dana@contoso.com\", manager]");
        }

        var result = new SortedSet<string>(StringComparer.Ordinal);
        foreach (SourceNode item in seq.Items)
        {
            if (item is ScalarNode { Kind: ScalarKind.String } s && ApproverReference.IsValid(s.Text))
            {
                result.Add(s.Text);
            }
            else
            {
                Error(item.Position, $"{what} entries are group:<name or id>, user:<id or UPN> or manager; found {(item is ScalarNode sc ? LogText.Quote(sc.Text) : item.KindName)}");
            }
        }

        return [.. result];
    }

    private TimeSpan? ReadDuration(MapNode map, string key, bool allowZero)
    {
        if (map[key] is not SourceNode node)
        {
            return null;
        }

        if (node is ScalarNode { Kind: ScalarKind.String } s && IsoDuration.TryParse(s.Text, out TimeSpan value))
        {
            if (value > MaxWait)
            {
                return Fail<TimeSpan?>(node.Position, $"{key} must be at most P30D (Outlook refuses actions on messages older than a month)");
            }

            if (value == TimeSpan.Zero && !allowZero)
            {
                return Fail<TimeSpan?>(node.Position, $"{key} must be longer than zero");
            }

            return value;
        }

        return Fail<TimeSpan?>(node.Position, $"{key} must be an ISO 8601 duration such as PT15M, PT4H or P2D");
    }

    private IReadOnlyList<string> ReadMask(SourceNode? node)
    {
        if (node is null)
        {
            return [];
        }

        if (node is not SeqNode seq)
        {
            Error(node.Position, $"mask must be a list of paths such as parameters.connectionString; found {node.KindName}");
            return [];
        }

        var paths = new SortedSet<string>(StringComparer.Ordinal);
        foreach (SourceNode item in seq.Items)
        {
            if (item is not ScalarNode { Kind: ScalarKind.String } s)
            {
                Error(item.Position, $"mask entries are paths; found {item.KindName}");
            }
            else if (FieldPath.TryParse(s.Text, out string? error, forMask: true) is null)
            {
                Error(item.Position, error!);
            }
            else
            {
                paths.Add(s.Text);
            }
        }

        return [.. paths];
    }

    private bool HomogeneousScalars(SeqNode seq, string what)
    {
        ScalarKind? kind = null;
        foreach (SourceNode item in seq.Items)
        {
            if (item is not ScalarNode { Kind: not ScalarKind.Null } scalar)
            {
                return Fail(item.Position, $"{what} lists strings, numbers or booleans; found {item.KindName}");
            }

            if (kind is not null && kind != scalar.Kind)
            {
                return Fail(item.Position, $"{what} mixes kinds; a list holds all strings, all numbers or all booleans");
            }

            kind = scalar.Kind;
        }

        return true;
    }

    private void CheckKeys(MapNode map, string[] allowed, string what)
    {
        foreach ((ScalarNode key, _) in map.Entries)
        {
            if (!allowed.Contains(key.Text, StringComparer.Ordinal))
            {
                Error(key.Position, $"unknown key {LogText.Quote(key.Text)} in {what}; expected {string.Join(", ", allowed)}");
            }
        }
    }

    private string? RequiredString(MapNode map, string key, string what)
    {
        SourceNode? node = map[key];
        if (node is null)
        {
            Error(map.Position, $"{what} needs '{key}'");
            return null;
        }

        if (node is ScalarNode { Kind: ScalarKind.String } s && !string.IsNullOrWhiteSpace(s.Text))
        {
            return s.Text;
        }

        return Fail<string>(node.Position, $"{key} must be a non-empty string; found {node.KindName}");
    }

    private string? OptionalString(MapNode map, string key)
    {
        SourceNode? node = map[key];
        return node switch
        {
            null => null,
            ScalarNode { Kind: ScalarKind.String } s => s.Text,
            _ => Fail<string>(node.Position, $"{key} must be a string; found {node.KindName}"),
        };
    }

    private Condition? Missing(MapNode map, string key, string what)
    {
        Error(map.Position, $"{what} needs '{key}'");
        return null;
    }

    private static bool IsIdentifier(string text) =>
        text.Length > 0 && char.IsAsciiLetter(text[0]) && text.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    private static bool IsRuleId(string text) =>
        text.Length is > 0 and <= 128 && char.IsAsciiLetterOrDigit(text[0]) && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    private void Error(SourcePosition at, string message) => _diagnostics.Add(new PolicyDiagnostic(at, message));

    private bool Fail(SourcePosition at, string message)
    {
        Error(at, message);
        return false;
    }

    private T? Fail<T>(SourcePosition at, string message)
    {
        Error(at, message);
        return default;
    }
}

/// <summary>Approver references in policies: <c>group:&lt;name or id&gt;</c>, <c>user:&lt;id or UPN&gt;</c>, or <c>manager</c>.</summary>
public static class ApproverReference
{
    /// <summary>The requester's manager, resolved from the directory.</summary>
    public const string Manager = "manager";

    /// <summary>Prefix of a group reference.</summary>
    public const string GroupPrefix = "group:";

    /// <summary>Prefix of a user reference.</summary>
    public const string UserPrefix = "user:";

    /// <summary>True for a well-formed reference.</summary>
    public static bool IsValid(string? text)
    {
        if (text is null)
        {
            return false;
        }

        if (text == Manager)
        {
            return true;
        }

        string? rest = text.StartsWith(GroupPrefix, StringComparison.Ordinal) ? text[GroupPrefix.Length..]
            : text.StartsWith(UserPrefix, StringComparison.Ordinal) ? text[UserPrefix.Length..]
            : null;
        return rest is { Length: > 0 and <= 256 } && rest.Trim() == rest && rest.All(c => c is > ' ' and < (char)0x7F || char.IsLetterOrDigit(c));
    }
}
