using System.Security.Cryptography;
using ApprovalFunctions.Microsoft365.Outlook;

namespace ApprovalFunctions.Microsoft365.Tests.Outlook;

public class CardTokensTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 9, 0, 0, TimeSpan.Zero);
    private static readonly byte[] Key = RandomNumberGenerator.GetBytes(32);

    private static CardTokens Tokens(ICardTokenLedger? ledger = null) => new(Key, ledger ?? new InMemoryCardTokenLedger());

    private static string Issue(CardTokens tokens, string recipient = "Ann@Contoso.com") =>
        tokens.Issue("act_1", "sha256:" + new string('a', 64), recipient, 1, "ct_1", Now);

    [Fact]
    public async Task Use_ValidToken_BindsActionDigestRecipientAndRound()
    {
        CardTokens tokens = Tokens();

        CardTokenResult result = await tokens.UseAsync(Issue(tokens), "act_1", null, "ann@contoso.com", Now.AddMinutes(5), default);

        Assert.True(result.IsValid);
        Assert.Equal("sha256:" + new string('a', 64), result.Claims!.ActionDigest);
        Assert.Equal("ann@contoso.com", result.Claims.Recipient);
        Assert.Equal(1, result.Claims.Round);
    }

    [Fact]
    public async Task Use_SecondTime_IsAReplay()
    {
        CardTokens tokens = Tokens();
        string token = Issue(tokens);

        await tokens.UseAsync(token, "act_1", null, "ann@contoso.com", Now, default);
        CardTokenResult again = await tokens.UseAsync(token, "act_1", null, "ann@contoso.com", Now, default);

        Assert.Equal(CardTokenFailure.Replayed, again.Failure);
    }

    [Fact]
    public async Task Release_AfterAFailedDecision_LetsTheApproverTryAgain()
    {
        CardTokens tokens = Tokens();
        string token = Issue(tokens);
        CardTokenResult first = await tokens.UseAsync(token, "act_1", null, "ann@contoso.com", Now, default);

        await tokens.ReleaseAsync(first.Claims!, default);

        Assert.True((await tokens.UseAsync(token, "act_1", null, "ann@contoso.com", Now, default)).IsValid);
    }

    [Theory]
    [InlineData("other-action", CardTokenFailure.WrongAction)]
    [InlineData("other-recipient", CardTokenFailure.WrongRecipient)]
    [InlineData("expired", CardTokenFailure.Expired)]
    [InlineData("forged", CardTokenFailure.BadSignature)]
    [InlineData("other-key", CardTokenFailure.BadSignature)]
    [InlineData("garbage", CardTokenFailure.Malformed)]
    [InlineData("missing", CardTokenFailure.Malformed)]
    public async Task Use_BadToken_IsRefusedWithoutBeingSpent(string kind, CardTokenFailure expected)
    {
        var ledger = new InMemoryCardTokenLedger();
        CardTokens tokens = Tokens(ledger);
        string token = Issue(tokens);
        string? presented = kind switch
        {
            "forged" => token[..(token.IndexOf('.', StringComparison.Ordinal) - 2)] + "AA" + token[token.IndexOf('.', StringComparison.Ordinal)..],
            "other-key" => Issue(new CardTokens(RandomNumberGenerator.GetBytes(32), ledger)),
            "garbage" => "not.a-token!",
            "missing" => null,
            _ => token,
        };

        CardTokenResult result = await tokens.UseAsync(
            presented,
            kind == "other-action" ? "act_2" : "act_1",
            null,
            kind == "other-recipient" ? "bob@contoso.com" : "ann@contoso.com",
            kind == "expired" ? Now + CardTokens.Lifetime : Now,
            default);

        Assert.Equal(expected, result.Failure);
        Assert.True((await tokens.UseAsync(token, "act_1", null, "ann@contoso.com", Now, default)).IsValid, "a refused presentation must not spend the token");
    }

    [Fact]
    public void Create_ShortKey_IsRefused() =>
        Assert.Throws<ArgumentException>(() => new CardTokens(new byte[16], new InMemoryCardTokenLedger()));

    [Fact]
    public async Task UseAsync_TokenBoundToAnObjectId_IsTheirsByIdEvenWhenTheirEmailChanged()
    {
        var tokens = new CardTokens(new byte[32], new InMemoryCardTokenLedger());
        string token = tokens.Issue("act_1", "sha256:" + new string('a', 64), "ann@contoso.com", 1, "ct_1", Now, recipientId: "oid-ann");

        CardTokenResult renamed = await tokens.UseAsync(token, "act_1", "oid-ann", "ann.smith@contoso.com", Now, default);

        Assert.True(renamed.IsValid);
        Assert.Equal("oid-ann", renamed.Claims!.RecipientId);
    }

    [Fact]
    public async Task UseAsync_TokenBoundToAnObjectId_RefusesSomeoneElseWithTheRecipientsOldEmail()
    {
        var tokens = new CardTokens(new byte[32], new InMemoryCardTokenLedger());
        string token = tokens.Issue("act_1", "sha256:" + new string('a', 64), "ann@contoso.com", 1, "ct_1", Now, recipientId: "oid-ann");

        CardTokenResult other = await tokens.UseAsync(token, "act_1", "oid-mallory", "ann@contoso.com", Now, default);

        Assert.Equal(CardTokenFailure.WrongRecipient, other.Failure);
    }
}
