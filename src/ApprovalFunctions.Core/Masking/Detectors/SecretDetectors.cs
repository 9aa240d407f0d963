namespace ApprovalFunctions.Core.Masking.Detectors;

/// <summary>PEM private key blocks, BEGIN to END (or to the end of the string if END is missing).</summary>
internal sealed class PrivateKeyDetector : Detector
{
    public override bool NeedsKeyword => true;

    public override string Kind => MaskKinds.PrivateKey;

    public override int Priority => 0;

    public override bool MightMatch(in TextProfile profile) => profile.Length >= 30 && profile.Upper >= 13;

    public override void Scan(string text, List<Finding> findings)
    {
        int from = 0;
        int begin;
        while ((begin = text.IndexOf("-----BEGIN ", from, StringComparison.Ordinal)) >= 0)
        {
            int headerEnd = text.IndexOf("-----", begin + 11, StringComparison.Ordinal);
            if (headerEnd < 0)
            {
                return;
            }

            if (!text.AsSpan(begin, headerEnd - begin).EndsWith("PRIVATE KEY", StringComparison.Ordinal))
            {
                from = headerEnd + 5;
                continue;
            }

            int end = text.Length;
            int footer = text.IndexOf("-----END ", headerEnd + 5, StringComparison.Ordinal);
            if (footer >= 0)
            {
                int footerEnd = text.IndexOf("-----", footer + 9, StringComparison.Ordinal);
                end = footerEnd < 0 ? text.Length : footerEnd + 5;
            }

            findings.Add(Found(begin, end - begin, "[private-key]"));
            from = end;
        }
    }
}

/// <summary>JSON Web Tokens: <c>eyJ…</c> header, <c>ey…</c> payload, optional signature.</summary>
internal sealed class JwtDetector : Detector
{
    public override bool NeedsKeyword => true;

    public override string Kind => MaskKinds.Jwt;

    public override int Priority => 1;

    public override bool MightMatch(in TextProfile profile) => profile.Length >= 24 && profile.HasDot;

    public override void Scan(string text, List<Finding> findings)
    {
        int from = 0;
        int start;
        while ((start = text.IndexOf("eyJ", from, StringComparison.Ordinal)) >= 0)
        {
            from = start + 3;
            if (Text.IsBase64Url(Text.At(text, start - 1)))
            {
                continue;
            }

            int end = Segment(text, start);
            if (end - start < 10 || Text.At(text, end) != '.' || !text.AsSpan(end + 1).StartsWith("ey", StringComparison.Ordinal))
            {
                continue;
            }

            int payloadEnd = Segment(text, end + 1);
            if (payloadEnd - end - 1 < 10 || Text.At(text, payloadEnd) != '.')
            {
                continue;
            }

            int signatureEnd = Segment(text, payloadEnd + 1);
            findings.Add(Found(start, signatureEnd - start, "[jwt]"));
            from = signatureEnd;
        }
    }

    private static int Segment(string text, int start)
    {
        int end = start;
        while (end < text.Length && Text.IsBase64Url(text[end]))
        {
            end++;
        }

        return end;
    }
}

/// <summary>The token after <c>Bearer </c> (the word is kept, the token is not).</summary>
internal sealed class BearerTokenDetector : Detector
{
    public override bool NeedsKeyword => true;

    public override string Kind => MaskKinds.BearerToken;

    public override int Priority => 2;

    public override bool MightMatch(in TextProfile profile) => profile.Length >= 15;

    public override void Scan(string text, List<Finding> findings)
    {
        int from = 0;
        int at;
        while ((at = text.IndexOf("bearer", from, StringComparison.OrdinalIgnoreCase)) >= 0)
        {
            from = at + 6;
            if (Text.IsWord(Text.At(text, at - 1)))
            {
                continue;
            }

            int start = at + 6;
            while (start < text.Length && text[start] is ' ' or '\t')
            {
                start++;
            }

            if (start == at + 6)
            {
                continue;
            }

            int end = start;
            while (end < text.Length && (char.IsAsciiLetterOrDigit(text[end]) || text[end] is '.' or '_' or '~' or '+' or '/' or '=' or '-'))
            {
                end++;
            }

            if (end - start >= 8)
            {
                findings.Add(Found(start, end - start, "[bearer-token]"));
                from = end;
            }
        }
    }
}

/// <summary>
/// Azure connection-string secrets: the values of <c>AccountKey=</c>, <c>SharedAccessKey=</c> and
/// <c>SharedAccessSignature=</c>, and the <c>sig=</c> of SAS URLs.
/// </summary>
internal sealed class AzureConnectionSecretDetector : Detector
{
    private static readonly (string Key, string Kind, string Replacement, char[] Stops)[] Assignments =
    [
        ("AccountKey=", MaskKinds.AzureConnectionSecret, "[azure-storage-key]", [';', '"', '\'', ' ', '\n', '\r', '\t']),
        ("SharedAccessKey=", MaskKinds.AzureConnectionSecret, "[azure-shared-access-key]", [';', '"', '\'', ' ', '\n', '\r', '\t']),
        ("SharedAccessSignature=", MaskKinds.AzureConnectionSecret, "[azure-sas-token]", [';', '"', '\'', ' ', '\n', '\r', '\t']),
        ("sig=", MaskKinds.AzureSasSignature, "[sas-signature]", ['&', ';', '"', '\'', ' ', '\n', '\r', '\t', '#']),
    ];

    public override string Kind => MaskKinds.AzureConnectionSecret;

    public override int Priority => 3;

    public override bool NeedsKeyword => true;

    public override bool MightMatch(in TextProfile profile) => profile.HasEquals && profile.Length >= 12;

    public override void Scan(string text, List<Finding> findings)
    {
        foreach ((string key, string kind, string replacement, char[] stops) in Assignments)
        {
            int from = 0;
            int at;
            while ((at = text.IndexOf(key, from, StringComparison.OrdinalIgnoreCase)) >= 0)
            {
                from = at + key.Length;
                char previous = Text.At(text, at - 1);
                bool boundary = key == "sig=" ? previous is '?' or '&' : !char.IsAsciiLetterOrDigit(previous);
                if (!boundary)
                {
                    continue;
                }

                int start = at + key.Length;
                int end = text.IndexOfAny(stops, start);
                end = end < 0 ? text.Length : end;
                if (end - start >= (key == "sig=" ? 16 : 8))
                {
                    findings.Add(new Finding(start, end - start, kind, replacement, Priority));
                    from = end;
                }
            }
        }
    }
}

/// <summary>A bare Azure Storage account key: 64 random bytes, so exactly 86 base64 characters and "==".</summary>
internal sealed class AzureStorageKeyDetector : Detector
{
    public override string Kind => MaskKinds.AzureStorageKey;

    public override int Priority => 8;

    public override bool MightMatch(in TextProfile profile) => profile.HasEquals && profile.Length >= 88;

    public override void Scan(string text, List<Finding> findings)
    {
        int from = 0;
        int pad;
        while ((pad = text.IndexOf("==", from, StringComparison.Ordinal)) >= 0)
        {
            from = pad + 2;
            int start = pad - 86;
            if (start < 0 || Text.IsBase64(Text.At(text, start - 1)) || Text.At(text, pad + 2) == '=' || Text.IsWord(Text.At(text, pad + 2)))
            {
                continue;
            }

            bool base64 = true;
            for (int k = start; k < pad && base64; k++)
            {
                base64 = Text.IsBase64(text[k]);
            }

            if (base64)
            {
                findings.Add(Found(start, 88, "[azure-storage-key]"));
            }
        }
    }
}

/// <summary>AWS access key ids: <c>AKIA…</c> and the other IAM prefixes, 20 upper-case letters and digits.</summary>
internal sealed class AwsAccessKeyIdDetector : Detector
{
    private static readonly string[] Prefixes = ["AKIA", "ASIA", "AGPA", "AIDA", "AROA", "AIPA", "ANPA", "ANVA", "ABIA", "ACCA"];

    public override string Kind => MaskKinds.AwsAccessKeyId;

    public override int Priority => 4;

    public override bool NeedsKeyword => true;

    public override bool MightMatch(in TextProfile profile) => profile.Length >= 20 && profile.Upper >= 4;

    public override void Scan(string text, List<Finding> findings)
    {
        foreach (string prefix in Prefixes)
        {
            int from = 0;
            int at;
            while ((at = text.IndexOf(prefix, from, StringComparison.Ordinal)) >= 0)
            {
                from = at + 4;
                if (at + 20 > text.Length || char.IsAsciiLetterOrDigit(Text.At(text, at - 1)) || char.IsAsciiLetterOrDigit(Text.At(text, at + 20)))
                {
                    continue;
                }

                bool valid = true;
                for (int k = at + 4; k < at + 20 && valid; k++)
                {
                    valid = char.IsAsciiLetterUpper(text[k]) || char.IsAsciiDigit(text[k]);
                }

                if (valid)
                {
                    findings.Add(Found(at, 20, "[aws-access-key-id]"));
                }
            }
        }
    }
}

/// <summary>
/// AWS secret access keys: 40 base64 characters with upper, lower and digits, and either a '/' or '+' in them or a word
/// like "aws" or "secret" just before (which keeps git hashes and other ids out).
/// </summary>
internal sealed class AwsSecretKeyDetector : Detector
{
    public override string Kind => MaskKinds.AwsSecretKey;

    public override int Priority => 5;

    public override bool MightMatch(in TextProfile profile) => profile.Length >= 40 && profile.Upper > 0 && profile.Lower > 0 && profile.Digits > 0;

    public override void Scan(string text, List<Finding> findings)
    {
        int i = 0;
        while (i < text.Length)
        {
            if (!Text.IsBase64(text[i]))
            {
                i++;
                continue;
            }

            int start = i;
            while (i < text.Length && Text.IsBase64(text[i]))
            {
                i++;
            }

            if (i - start != 40 || Text.At(text, i) == '=')
            {
                continue;
            }

            ReadOnlySpan<char> run = text.AsSpan(start, 40);
            bool upper = false, lower = false, digit = false, symbol = false;
            foreach (char c in run)
            {
                upper |= char.IsAsciiLetterUpper(c);
                lower |= char.IsAsciiLetterLower(c);
                digit |= char.IsAsciiDigit(c);
                symbol |= c is '/' or '+';
            }

            if (upper && lower && digit && (symbol || Text.NearBefore(text, start, 48, "aws", "secret")))
            {
                findings.Add(Found(start, 40, "[aws-secret-key]"));
            }
        }
    }
}

/// <summary>The password in <c>scheme://user:password@host</c> (the user and host are kept).</summary>
internal sealed class UrlCredentialDetector : Detector
{
    public override bool NeedsKeyword => true;

    public override string Kind => MaskKinds.UrlCredentials;

    public override int Priority => 6;

    public override bool MightMatch(in TextProfile profile) => profile.HasAt && profile.Colons >= 2;

    public override void Scan(string text, List<Finding> findings)
    {
        int from = 0;
        int scheme;
        while ((scheme = text.IndexOf("://", from, StringComparison.Ordinal)) >= 0)
        {
            from = scheme + 3;
            if (!char.IsAsciiLetter(Text.At(text, scheme - 1)))
            {
                continue;
            }

            int userStart = scheme + 3;
            int at = userStart;
            int colon = -1;
            while (at < text.Length && text[at] is not ('@' or '/' or '?' or '#' or ' ' or '"' or '\'' or '\n' or '\t'))
            {
                if (text[at] == ':' && colon < 0)
                {
                    colon = at;
                }

                at++;
            }

            // The user may be empty (redis://:password@host); the password may not.
            if (Text.At(text, at) != '@' || colon < 0 || at - colon < 2)
            {
                continue;
            }

            findings.Add(Found(colon + 1, at - colon - 1, "[password]"));
            from = at + 1;
        }
    }
}

/// <summary>
/// <c>password=…</c>, <c>secret: …</c>, <c>token=…</c>, <c>api_key=…</c> and the like (also <c>db_password</c>,
/// <c>client_secret</c>, <c>access_token</c>): the value is replaced, the name kept.
/// </summary>
internal sealed class SecretAssignmentDetector : Detector
{
    public override bool NeedsKeyword => true;

    private static readonly string[] Keywords =
        ["password", "passwd", "pwd", "secret", "token", "apikey", "api_key", "api-key", "accesskey", "access_key", "privatekey", "private_key", "passphrase"];

    public override string Kind => MaskKinds.SecretAssignment;

    public override int Priority => 7;

    public override bool MightMatch(in TextProfile profile) => (profile.HasEquals || profile.Colons > 0) && profile.Length >= 5;

    public override void Scan(string text, List<Finding> findings)
    {
        foreach (string keyword in Keywords)
        {
            int from = 0;
            int at;
            while ((at = text.IndexOf(keyword, from, StringComparison.OrdinalIgnoreCase)) >= 0)
            {
                from = at + keyword.Length;
                if (char.IsAsciiLetterOrDigit(Text.At(text, at - 1)))
                {
                    continue;
                }

                int k = at + keyword.Length;
                // A quoted key ("password": "x") or a plain one (password=x, password: x).
                if (Text.At(text, k) is '"' or '\'')
                {
                    k++;
                }

                while (k < text.Length && text[k] is ' ' or '\t')
                {
                    k++;
                }

                if (Text.At(text, k) is not ('=' or ':'))
                {
                    continue;
                }

                k++;
                while (k < text.Length && text[k] is ' ' or '\t')
                {
                    k++;
                }

                char quote = Text.At(text, k) is '"' or '\'' ? text[k] : '\0';
                int start = quote == '\0' ? k : k + 1;
                int end = start;
                while (end < text.Length && (quote != '\0' ? text[end] != quote : !(char.IsWhiteSpace(text[end]) || text[end] is ';' or '&' or ',' or '"' or '\'')))
                {
                    end++;
                }

                if (end > start)
                {
                    findings.Add(Found(start, end - start, "[secret]"));
                    from = end;
                }
            }
        }
    }
}
