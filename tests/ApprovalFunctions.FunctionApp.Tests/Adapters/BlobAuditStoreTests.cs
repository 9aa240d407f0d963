using ApprovalFunctions.FunctionApp.Adapters;
using ApprovalFunctions.FunctionApp.Orchestration;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Moq;

namespace ApprovalFunctions.FunctionApp.Tests.Adapters;

public sealed class BlobAuditStoreTests
{
    private const string Key = "2026/11/21/act_1/000001-received.json";
    private static readonly byte[] Record = """{"seq":1}"""u8.ToArray();

    private readonly Mock<BlobClient> _blob = new();
    private readonly Mock<BlobContainerClient> _container = new();
    private readonly BlobAuditStore _store;

    public BlobAuditStoreTests()
    {
        _container.Setup(c => c.GetBlobClient(Key)).Returns(_blob.Object);
        _store = new BlobAuditStore(new Dictionary<string, BlobContainerClient>(StringComparer.OrdinalIgnoreCase) { ["westeurope"] = _container.Object });
    }

    [Fact]
    public async Task WriteAsync_NewRecord_UploadsOnlyIfAbsent()
    {
        BlobUploadOptions? sent = null;
        _blob.Setup(b => b.UploadAsync(It.IsAny<BinaryData>(), It.IsAny<BlobUploadOptions>(), It.IsAny<CancellationToken>()))
            .Callback((BinaryData _, BlobUploadOptions options, CancellationToken _) => sent = options)
            .ReturnsAsync(Mock.Of<Response<BlobContentInfo>>());

        await _store.WriteAsync("WestEurope", Key, Record, CancellationToken.None);

        // The options overload adds no condition by itself: the store must ask for If-None-Match: *.
        Assert.Equal(ETag.All, sent!.Conditions.IfNoneMatch);
        Assert.Equal("application/json", sent.HttpHeaders.ContentType);
    }

    [Fact]
    public async Task WriteAsync_SameRecordAlreadyThere_IsDone()
    {
        Conflict();
        Existing(Record);

        await _store.WriteAsync("westeurope", Key, Record, CancellationToken.None);

        _blob.Verify(b => b.DownloadContentAsync(It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task WriteAsync_DifferentRecordUnderTheKey_ThrowsAuditConflict()
    {
        Conflict();
        Existing("""{"seq":1,"tampered":true}"""u8.ToArray());

        var ex = await Assert.ThrowsAsync<AuditConflictException>(() => _store.WriteAsync("westeurope", Key, Record, CancellationToken.None));

        Assert.Contains(Key, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteAsync_UnknownRegion_FailsNamingIt()
    {
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => _store.WriteAsync("mars-north", Key, Record, CancellationToken.None));

        Assert.Contains("mars-north", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteAsync_ServerError_Propagates()
    {
        _blob.Setup(b => b.UploadAsync(It.IsAny<BinaryData>(), It.IsAny<BlobUploadOptions>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new RequestFailedException(503, "busy", "ServerBusy", null));

        var ex = await Assert.ThrowsAsync<RequestFailedException>(() => _store.WriteAsync("westeurope", Key, Record, CancellationToken.None));

        Assert.Equal(503, ex.Status);
    }

    private void Conflict() =>
        _blob.Setup(b => b.UploadAsync(It.IsAny<BinaryData>(), It.IsAny<BlobUploadOptions>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new RequestFailedException(409, "The specified blob already exists.", "BlobAlreadyExists", null));

    private void Existing(byte[] content) =>
        _blob.Setup(b => b.DownloadContentAsync(It.IsAny<CancellationToken>()))
            .ReturnsAsync(Response.FromValue(BlobsModelFactory.BlobDownloadResult(content: BinaryData.FromBytes(content)), Mock.Of<Response>()));
}
