using Microsoft.DurableTask.Client;

namespace ReleaseGuardian.Functions.Workflow;

/// <summary>
/// The <see cref="DurableTaskClient"/> bound (<c>[DurableClient]</c>) to the current function invocation. Functions
/// hands the client to the function, not to the container, so each starter function puts it here before it calls a
/// use case that may schedule a workflow.
/// </summary>
public sealed class InvocationDurableClient
{
    private DurableTaskClient? _client;

    /// <summary>The client; throws when the function did not hand one over.</summary>
    public DurableTaskClient Client => _client ?? throw new InvalidOperationException(
        "No Durable client for this invocation: the function must bind [DurableClient] DurableTaskClient and pass it to InvocationDurableClient.Use.");

    /// <summary>Hands over the client the function bound.</summary>
    public void Use(DurableTaskClient client) => _client = client;
}
