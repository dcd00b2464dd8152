namespace ReleaseGuardian.Application.Workflow;

/// <summary>
/// Where people can see a run and its workflow, for the links in notifications (configuration
/// <c>Api:PublicBaseUrl</c>, or the older <c>Guardian:PublicBaseUrl</c>, e.g. <c>https://guardian.example.org</c>). Null leaves links out.
/// </summary>
/// <param name="PublicBaseUrl">The host's public base URL, without a trailing slash.</param>
public sealed record ReleaseLinks(string? PublicBaseUrl)
{
    /// <summary>The run's evidence.</summary>
    public string? Run(string guardianId, string runId) =>
        PublicBaseUrl is null ? null : $"{PublicBaseUrl}/api/guardians/{Uri.EscapeDataString(guardianId)}/runs/{Uri.EscapeDataString(runId)}";

    /// <summary>The workflow's status.</summary>
    public string? Status(string guardianId, string runId) =>
        PublicBaseUrl is null ? null : $"{PublicBaseUrl}/runtime/webhooks/durabletask/instances/{Uri.EscapeDataString(WorkflowNames.InstanceId(guardianId, runId))}";
}
