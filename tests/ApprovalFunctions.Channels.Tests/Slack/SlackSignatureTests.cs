using System.Text;
using ApprovalFunctions.Channels.Slack;

namespace ApprovalFunctions.Channels.Tests.Slack;

public sealed class SlackSignatureTests
{
    // The example in Slack's "Verifying requests from Slack".
    private const string Secret = "8f742231b10e8888abcd99yyyzzz85a5";
    private const string Timestamp = "1531420618";
    private const string Signature = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";
    private const string Body = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA"
        + "&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
        + "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";

    private static readonly DateTimeOffset SentAt = DateTimeOffset.FromUnixTimeSeconds(1531420618);

    [Fact]
    public void Sign_SlacksDocumentedExample_GivesItsSignature() =>
        Assert.Equal(Signature, SlackSignature.Sign(Secret, Timestamp, Encoding.UTF8.GetBytes(Body)));

    [Fact]
    public void Verify_SlacksDocumentedExampleWithinFiveMinutes_Passes() =>
        Assert.Null(SlackSignature.Verify(Secret, Timestamp, Signature, Encoding.UTF8.GetBytes(Body), SentAt.AddMinutes(4), TimeSpan.FromMinutes(5)));

    [Fact]
    public void Verify_BodyChangedByOneCharacter_IsAMismatch() =>
        Assert.Equal(SlackSignatureFailure.Mismatch,
            SlackSignature.Verify(Secret, Timestamp, Signature, Encoding.UTF8.GetBytes(Body.Replace("roadrunner", "roadrunnez", StringComparison.Ordinal)), SentAt, TimeSpan.FromMinutes(5)));

    [Theory]
    [InlineData(-6)]
    [InlineData(6)]
    public void Verify_TimestampMoreThanFiveMinutesAway_IsStale(int minutes) =>
        Assert.Equal(SlackSignatureFailure.Stale, SlackSignature.Verify(Secret, Timestamp, Signature, Encoding.UTF8.GetBytes(Body), SentAt.AddMinutes(-minutes), TimeSpan.FromMinutes(5)));

    [Theory]
    [InlineData(null, Signature, SlackSignatureFailure.Missing)]
    [InlineData(Timestamp, null, SlackSignatureFailure.Missing)]
    [InlineData("15314206l8", Signature, SlackSignatureFailure.Stale)]
    [InlineData(Timestamp, "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b50", SlackSignatureFailure.Mismatch)]
    [InlineData(Timestamp, "v1=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503", SlackSignatureFailure.Mismatch)]
    public void Verify_MalformedHeaders_AreRefusedNamingWhy(string? timestamp, string? signature, SlackSignatureFailure failure) =>
        Assert.Equal(failure, SlackSignature.Verify(Secret, timestamp, signature, Encoding.UTF8.GetBytes(Body), SentAt, TimeSpan.FromMinutes(5)));
}
