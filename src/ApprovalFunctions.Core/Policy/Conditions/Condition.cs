namespace ApprovalFunctions.Core.Policy.Conditions;

/// <summary>Three-valued truth: a condition that cannot be evaluated is <see cref="Error"/>, never silently false.</summary>
internal enum Truth : byte
{
    False,
    True,
    Error,
}

/// <summary>A compiled condition. Evaluation uses Kleene logic so that an error only matters when it could change the result.</summary>
internal abstract class Condition
{
    public abstract Truth Evaluate(EvaluationScope scope);
}

/// <summary>True when every item is true; false as soon as one is false, even if another errs.</summary>
internal sealed class AllOfCondition(Condition[] items) : Condition
{
    public override Truth Evaluate(EvaluationScope scope)
    {
        bool error = false;
        foreach (Condition item in items)
        {
            switch (item.Evaluate(scope))
            {
                case Truth.False:
                    return Truth.False;
                case Truth.Error:
                    error = true;
                    break;
            }
        }

        return error ? Truth.Error : Truth.True;
    }
}

/// <summary>True as soon as one item is true, even if another errs; false when all are false.</summary>
internal sealed class AnyOfCondition(Condition[] items) : Condition
{
    public override Truth Evaluate(EvaluationScope scope)
    {
        bool error = false;
        foreach (Condition item in items)
        {
            switch (item.Evaluate(scope))
            {
                case Truth.True:
                    return Truth.True;
                case Truth.Error:
                    error = true;
                    break;
            }
        }

        return error ? Truth.Error : Truth.False;
    }
}

/// <summary>Negation; an error stays an error.</summary>
internal sealed class NotCondition(Condition inner) : Condition
{
    public override Truth Evaluate(EvaluationScope scope) => inner.Evaluate(scope) switch
    {
        Truth.True => Truth.False,
        Truth.False => Truth.True,
        _ => Truth.Error,
    };
}
