using Microsoft.Extensions.AI;

namespace AgentWithApprovals;

/// <summary>
/// A stand-in for a model, so the sample runs without one: it asks for the customer lookup, then the row write, then
/// answers with what the tools said. The function-invocation middleware runs the tools in between, as with a real model.
/// </summary>
public sealed class ScriptedChatClient : IChatClient
{
    /// <inheritdoc />
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        List<ChatMessage> history = [.. messages];
        string[] called = [.. history.SelectMany(m => m.Contents).OfType<FunctionCallContent>().Select(c => c.Name)];
        ChatMessage next = called.Length switch
        {
            0 => Call("lookup_customer", new Dictionary<string, object?> { ["email"] = "dana@contoso.com" }),
            1 => Call("write_rows", new Dictionary<string, object?> { ["table"] = "orders", ["rows"] = 12 }),
            _ => new ChatMessage(ChatRole.Assistant, "Tool said: " + string.Join(" | ", history.SelectMany(m => m.Contents).OfType<FunctionResultContent>()
                .Skip(1).Select(r => r.Result?.ToString()))),
        };
        return Task.FromResult(new ChatResponse(next));
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (ChatResponseUpdate update in (await GetResponseAsync(messages, options, cancellationToken)).ToChatResponseUpdates())
        {
            yield return update;
        }
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private static ChatMessage Call(string name, Dictionary<string, object?> arguments) =>
        new(ChatRole.Assistant, [new FunctionCallContent("call_" + name, name, arguments)]);
}
