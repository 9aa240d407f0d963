using ApprovalFunctions.FunctionApp.Adapters;
using ApprovalFunctions.FunctionApp.Orchestration;
using ApprovalFunctions.FunctionApp.Tests.Support;
using Azure.Messaging.ServiceBus;
using Moq;

namespace ApprovalFunctions.FunctionApp.Tests.Adapters;

public sealed class ServiceBusReleaseTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);

    private static DispatchInput Release(DateTimeOffset expiresAt) => new(
        "act_abc", """{"type":"db.write.rows"}""", "sha256:" + new string('d', 64),
        new IssuedReceiptResult("rcpt_1", "h.p.s", expiresAt, "sha256:" + new string('r', 64)));

    [Fact]
    public async Task SendAsync_Release_MessageIdIsTheActionAndTtlEndsWithTheReceipt()
    {
        var sender = new Mock<ServiceBusSender>();
        ServiceBusMessage? sent = null;
        sender.Setup(s => s.SendMessageAsync(It.IsAny<ServiceBusMessage>(), It.IsAny<CancellationToken>()))
            .Callback((ServiceBusMessage m, CancellationToken _) => sent = m)
            .Returns(Task.CompletedTask);

        await new ServiceBusRelease(sender.Object, new FixedTime(Now)).SendAsync(Release(Now.AddMinutes(15)), CancellationToken.None);

        Assert.NotNull(sent);
        Assert.Equal("act_abc", sent.MessageId);
        Assert.Equal(TimeSpan.FromMinutes(15), sent.TimeToLive);
        Assert.Equal("""{"type":"db.write.rows"}""", sent.Body.ToString());
        Assert.Equal("application/json", sent.ContentType);
        Assert.Equal("h.p.s", sent.ApplicationProperties["receipt"]);
        Assert.Equal("rcpt_1", sent.ApplicationProperties["receiptId"]);
        Assert.Equal("sha256:" + new string('d', 64), sent.ApplicationProperties["actionDigest"]);
    }

    [Theory]
    [InlineData(-60)]
    [InlineData(0)]
    [InlineData(29)]
    public async Task SendAsync_ReceiptExpiredOrAboutTo_NeverSentSoTheOrchestrationSignsAFreshOne(int secondsLeft)
    {
        var sender = new Mock<ServiceBusSender>(MockBehavior.Strict);

        await Assert.ThrowsAsync<ReceiptExpiredException>(() =>
            new ServiceBusRelease(sender.Object, new FixedTime(Now)).SendAsync(Release(Now.AddSeconds(secondsLeft)), CancellationToken.None));

        sender.Verify(s => s.SendMessageAsync(It.IsAny<ServiceBusMessage>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task SendAsync_MessageTooLargeForTheQueue_RefusedForGood()
    {
        var sender = new Mock<ServiceBusSender>();
        sender.Setup(s => s.SendMessageAsync(It.IsAny<ServiceBusMessage>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new ServiceBusException("message too large", ServiceBusFailureReason.MessageSizeExceeded));

        var refused = await Assert.ThrowsAsync<ReleaseRefusedException>(() =>
            new ServiceBusRelease(sender.Object, new FixedTime(Now)).SendAsync(Release(Now.AddMinutes(15)), CancellationToken.None));

        Assert.Contains("too large", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_ServiceBusFails_Propagates()
    {
        var sender = new Mock<ServiceBusSender>();
        sender.Setup(s => s.SendMessageAsync(It.IsAny<ServiceBusMessage>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new ServiceBusException("unavailable", ServiceBusFailureReason.ServiceBusy));

        await Assert.ThrowsAsync<ServiceBusException>(() =>
            new ServiceBusRelease(sender.Object, new FixedTime(Now)).SendAsync(Release(Now.AddMinutes(15)), CancellationToken.None));
    }
}
