namespace ApprovalFunctions.Core.Policy.Conditions;

/// <summary>
/// <c>{ field: path, op: value }</c>. Semantics, in one place:
/// <list type="bullet">
/// <item>A missing field (absent or null) makes every positive operator false and every negative one true; <c>exists: false</c> is true.</item>
/// <item>An array field satisfies a positive operator when any element does; negative operators are their exact negation (no element does).</item>
/// <item><c>contains</c>/<c>containsAny</c> test membership on arrays and substrings on strings.</item>
/// <item>Strings compare case-insensitively; numbers numerically; comparing different kinds, or an object, is an evaluation error.</item>
/// </list>
/// </summary>
internal sealed class LeafCondition : Condition
{
    private readonly int _slot;
    private readonly string _field;
    private readonly OperatorKind _operator;
    private readonly bool _negate;
    private readonly Literal _value;
    private readonly Literal[] _values;
    private readonly LikePattern? _pattern;

    public LeafCondition(int slot, string field, OperatorKind op, Literal value, Literal[] values)
    {
        _slot = slot;
        _field = field;
        _negate = Operators.IsNegative(op, out _operator);
        _value = value;
        _values = values;
        _pattern = _operator == OperatorKind.Like ? new LikePattern(value.Text!) : null;
    }

    public override Truth Evaluate(EvaluationScope scope)
    {
        FieldValue value = scope.Get(_slot);
        if (_operator == OperatorKind.Exists)
        {
            return value.IsMissing != _value.Boolean ? Truth.True : Truth.False;
        }

        Truth positive;
        if (value.IsMissing)
        {
            positive = Truth.False;
        }
        else if (value.Kind == FieldKind.Array)
        {
            positive = Truth.False;
            foreach (FieldValue item in value.Items!)
            {
                Truth t = Test(item, element: true, scope);
                if (t == Truth.True)
                {
                    positive = Truth.True;
                    break;
                }

                if (t == Truth.Error)
                {
                    positive = Truth.Error;
                }
            }
        }
        else
        {
            positive = Test(value, element: false, scope);
        }

        return !_negate || positive == Truth.Error ? positive : positive == Truth.True ? Truth.False : Truth.True;
    }

    private Truth Test(FieldValue value, bool element, EvaluationScope scope)
    {
        if (value.Kind is FieldKind.Object or FieldKind.Array or FieldKind.Missing)
        {
            return Fail(scope, $"{_field} {(element ? "has an element that is" : "is")} {value.KindName}; {OperatorName} needs a string, number or boolean");
        }

        switch (_operator)
        {
            case OperatorKind.Equals:
                return EqualTo(value, _value, scope);
            case OperatorKind.In:
                return AnyEqual(value, scope);
            case OperatorKind.Like:
                return value.Kind == FieldKind.String
                    ? Of(_pattern!.IsMatch(value.Text!))
                    : Fail(scope, $"{_field} is {value.KindName}; like needs a string");
            case OperatorKind.Contains:
                return element ? EqualTo(value, _value, scope) : Substring(value, _value, scope);
            case OperatorKind.ContainsAny:
                if (element)
                {
                    return AnyEqual(value, scope);
                }

                Truth result = Truth.False;
                foreach (Literal literal in _values)
                {
                    Truth t = Substring(value, literal, scope);
                    if (t != Truth.False)
                    {
                        result = t;
                        break;
                    }
                }

                return result;
            default:
                return Compare(value, scope);
        }
    }

    private Truth AnyEqual(FieldValue value, EvaluationScope scope)
    {
        if (_values.Length > 0 && _values[0].Kind != value.Kind)
        {
            return Mismatch(scope, value, _values[0]);
        }

        foreach (Literal literal in _values)
        {
            if (Same(value, literal))
            {
                return Truth.True;
            }
        }

        return Truth.False;
    }

    private Truth EqualTo(FieldValue value, Literal literal, EvaluationScope scope) =>
        value.Kind != literal.Kind ? Mismatch(scope, value, literal) : Of(Same(value, literal));

    private Truth Substring(FieldValue value, Literal literal, EvaluationScope scope) =>
        value.Kind == FieldKind.String && literal.Kind == FieldKind.String
            ? Of(value.Text!.Contains(literal.Text!, StringComparison.OrdinalIgnoreCase))
            : Fail(scope, $"{_field} is {value.KindName}; {OperatorName} on a non-array field needs a string field and string values");

    private Truth Compare(FieldValue value, EvaluationScope scope)
    {
        int order;
        if (value.Kind == FieldKind.Number && _value.Kind == FieldKind.Number)
        {
            order = value.Number.CompareTo(_value.Number);
        }
        else if (value.Kind == FieldKind.String && _value.Kind == FieldKind.String)
        {
            order = string.Compare(value.Text, _value.Text, StringComparison.OrdinalIgnoreCase);
        }
        else
        {
            return value.Kind == _value.Kind
                ? Fail(scope, $"{_field} is {value.KindName}; {OperatorName} orders numbers or strings only")
                : Mismatch(scope, value, _value);
        }

        return Of(_operator switch
        {
            OperatorKind.Greater => order > 0,
            OperatorKind.GreaterOrEquals => order >= 0,
            OperatorKind.Less => order < 0,
            _ => order <= 0,
        });
    }

    private static bool Same(FieldValue value, Literal literal) => value.Kind switch
    {
        FieldKind.String => string.Equals(value.Text, literal.Text, StringComparison.OrdinalIgnoreCase),
        FieldKind.Number => value.Number == literal.Number,
        _ => value.Boolean == literal.Boolean,
    };

    private Truth Mismatch(EvaluationScope scope, FieldValue value, Literal literal) =>
        Fail(scope, $"{_field} is {value.KindName} but {OperatorName} compares with {literal.KindName}");

    private string OperatorName => Operators.Name(_negate ? Negated(_operator) : _operator);

    private static OperatorKind Negated(OperatorKind positive) => positive switch
    {
        OperatorKind.Equals => OperatorKind.NotEquals,
        OperatorKind.In => OperatorKind.NotIn,
        OperatorKind.Like => OperatorKind.NotLike,
        _ => OperatorKind.NotContains,
    };

    private static Truth Fail(EvaluationScope scope, string message)
    {
        scope.AddError(message);
        return Truth.Error;
    }

    private static Truth Of(bool value) => value ? Truth.True : Truth.False;
}
