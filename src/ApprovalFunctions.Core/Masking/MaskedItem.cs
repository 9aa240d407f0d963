namespace ApprovalFunctions.Core.Masking;

/// <summary>
/// One thing the masker hid: where (a JSON path into the action, such as <c>parameters.rows[3].email</c>), what kind,
/// and why (<c>detector:email</c>, <c>rule:&lt;id&gt;</c>, <c>defaults</c> or <c>classification:&lt;label&gt;</c>).
/// It never carries the hidden value.
/// </summary>
/// <param name="Path">Where in the action.</param>
/// <param name="Kind">A <see cref="MaskKinds"/> value.</param>
/// <param name="Source">The rule, configuration or detector responsible.</param>
public sealed record MaskedItem(string Path, string Kind, string Source);
