namespace ApprovalFunctions.Core;

/// <summary>
/// An RFC 7807 problem description: what was wrong with a request, with one entry per offending field.
/// Messages name fields, never echo submitted values.
/// </summary>
/// <param name="Type">A URI reference identifying the problem type.</param>
/// <param name="Title">A short, stable summary of the problem type.</param>
/// <param name="Status">The HTTP status code this problem maps to.</param>
/// <param name="Detail">A human-readable explanation of this occurrence.</param>
/// <param name="Errors">The fields at fault, if any.</param>
public sealed record Problem(string Type, string Title, int Status, string Detail, IReadOnlyList<FieldError> Errors)
{
    /// <summary>The media type of problem documents.</summary>
    public const string ContentType = "application/problem+json";

    /// <summary>
    /// The problem as an <c>application/problem+json</c> document; <paramref name="instance"/> is the request path and
    /// <paramref name="reason"/> a machine-readable reason (for example <c>selfApproval</c>).
    /// </summary>
    public string ToJson(string? instance = null, string? reason = null)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", Type);
            writer.WriteString("title", Title);
            writer.WriteNumber("status", Status);
            writer.WriteString("detail", Detail);
            if (instance is not null)
            {
                writer.WriteString("instance", instance);
            }

            if (reason is not null)
            {
                writer.WriteString("reason", reason);
            }

            if (Errors.Count > 0)
            {
                writer.WriteStartArray("errors");
                foreach (FieldError error in Errors)
                {
                    writer.WriteStartObject();
                    writer.WriteString("field", error.Field);
                    writer.WriteString("message", error.Message);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>A request body that is not a valid action (400).</summary>
    public static Problem Validation(IReadOnlyList<FieldError> errors)
    {
        Check.NotNull(errors);
        string detail = errors.Count == 1
            ? $"{errors[0].Field}: {errors[0].Message}"
            : $"{errors.Count} fields are invalid; the first is {errors[0].Field}: {errors[0].Message}";
        return new(ProblemTypes.InvalidAction, "The action request is invalid.", 400, detail, errors);
    }

    /// <summary>A body that is not well-formed JSON (400).</summary>
    public static Problem MalformedJson(string detail) =>
        new(ProblemTypes.MalformedJson, "The request body is not well-formed JSON.", 400, detail, [new FieldError("$", detail)]);

    /// <summary>A body larger than the configured limit (413).</summary>
    public static Problem TooLarge(long actualBytes, long limitBytes) =>
        new(ProblemTypes.TooLarge, "The request body is too large.", 413,
            $"The body is {actualBytes} bytes; the limit is {limitBytes} bytes.", [new FieldError("$", $"larger than {limitBytes} bytes")]);

    /// <summary>A body nested deeper than the configured limit (400).</summary>
    public static Problem TooDeep(int limit, string where) =>
        new(ProblemTypes.TooDeep, "The request body is nested too deeply.", 400,
            $"The body nests deeper than {limit} levels ({where}).", [new FieldError("$", $"nested deeper than {limit} levels")]);
}

/// <summary>One offending field of a request.</summary>
/// <param name="Field">A JSON path such as <c>data.sourceRegion</c> or <c>data.classification[1]</c>; <c>$</c> is the whole body.</param>
/// <param name="Message">What is wrong with it.</param>
public sealed record FieldError(string Field, string Message);

/// <summary>The problem type URIs this product returns.</summary>
public static class ProblemTypes
{
    /// <summary>Prefix shared by every problem type.</summary>
    public const string Prefix = "urn:approval-functions:problem:";
    /// <summary>The action failed validation.</summary>
    public const string InvalidAction = Prefix + "invalid-action";
    /// <summary>The body is not JSON.</summary>
    public const string MalformedJson = Prefix + "malformed-json";
    /// <summary>The body exceeds the size limit.</summary>
    public const string TooLarge = Prefix + "too-large";
    /// <summary>The body exceeds the depth limit.</summary>
    public const string TooDeep = Prefix + "too-deep";
}
