namespace ApprovalFunctions.Core.Actions;

/// <summary>Region names: <c>westeurope</c>, <c>uksouth</c>, <c>eastus2</c>. Compared case-insensitively, stored lower case.</summary>
public static class Regions
{
    /// <summary>
    /// True for 2 to 40 ASCII letters, digits and inner hyphens, starting with a letter
    /// (Azure's <c>westeurope</c> as well as <c>eu-west-1</c> style names).
    /// </summary>
    public static bool IsRegionShaped(string? value)
    {
        if (value is null || value.Length is < 2 or > 40 || !char.IsAsciiLetter(value[0]) || value[^1] == '-')
        {
            return false;
        }

        foreach (char c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '-')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Lower-cases a region-shaped name.</summary>
    public static string Normalize(string value) => value.ToLowerInvariant();
}
