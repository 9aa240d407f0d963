using System.Text;

namespace ApprovalFunctions.Core.Cards;

/// <summary>
/// Makes untrusted text safe to show in an Adaptive Card. Card hosts render a Markdown subset in text blocks and fact
/// values and expand <c>{{…}}</c> functions, so an action's summary could otherwise carry a link, an image, emphasis
/// or a date function into the approver's view. The result shows exactly the characters that were sent.
/// </summary>
public static class CardText
{
    /// <summary>The longest text a card shows for one value.</summary>
    public const int MaxLength = 400;

    /// <summary>Escapes Markdown, neutralises card functions, drops control characters and shortens to <paramref name="maxLength"/>.</summary>
    public static string Escape(string? text, int maxLength = MaxLength)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        var builder = new StringBuilder(Math.Min(text.Length, maxLength) + 16);
        bool lineStart = true;
        bool digitsSinceLineStart = false;
        int shown = 0;
        for (int i = 0; i < text.Length && shown < maxLength; i++)
        {
            char c = text[i];
            if (char.IsControl(c))
            {
                // A line break keeps its meaning; any other control character is dropped.
                if (c == '\n')
                {
                    builder.Append(' ');
                    lineStart = true;
                    digitsSinceLineStart = false;
                    shown++;
                }

                continue;
            }

            // Emphasis, links, images, code, strike-through and autolinks anywhere; headings, quotes and lists at a line's start.
            if (c is '\\' or '*' or '_' or '[' or ']' or '`' or '~' or '<'
                || (lineStart && c is '#' or '>' or '-' or '+' or '=')
                || (digitsSinceLineStart && c is '.' or ')'))
            {
                builder.Append('\\');
            }

            builder.Append(c);
            if (c == '{' && i + 1 < text.Length && text[i + 1] == '{')
            {
                // "{{" would start a card function: keep both braces visible, but apart.
                builder.Append('\u200B');
            }

            digitsSinceLineStart = char.IsAsciiDigit(c) && (lineStart || digitsSinceLineStart);
            lineStart = false;
            shown++;
        }

        if (shown >= maxLength && text.Length > maxLength)
        {
            builder.Append('…');
        }

        return builder.ToString();
    }
}
