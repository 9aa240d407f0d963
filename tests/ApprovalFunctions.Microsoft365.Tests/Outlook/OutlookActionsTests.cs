using System.Text;
using ApprovalFunctions.Microsoft365.Outlook;

namespace ApprovalFunctions.Microsoft365.Tests.Outlook;

public sealed class OutlookActionsTests
{
    [Fact]
    public async Task ReadBodyAsync_SmallBody_IsReadWhole()
    {
        using var body = new MemoryStream(Encoding.UTF8.GetBytes("Looks right — approved"));

        Assert.Equal("Looks right — approved", await OutlookActions.ReadBodyAsync(body, CancellationToken.None));
    }

    [Fact]
    public async Task ReadBodyAsync_HugeBody_StopsAtTheLimit()
    {
        using var body = new MemoryStream(new byte[1024 * 1024]);

        string text = await OutlookActions.ReadBodyAsync(body, CancellationToken.None);

        Assert.Equal(OutlookActions.MaxBody, text.Length);
        Assert.Equal(OutlookActions.MaxBody, body.Position);
    }

    [Theory]
    [InlineData("", null)]
    [InlineData("   ", null)]
    [InlineData("  not today  ", "not today")]
    [InlineData("""{"comment":" wrong table "}""", "wrong table")]
    [InlineData("""{"comment":""}""", null)]
    [InlineData("{not json", "{not json")]
    public void Comment_PlainTextOrJson_IsTheTrimmedComment(string body, string? expected) =>
        Assert.Equal(expected, OutlookActions.Comment(body));
}
