using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Server.Tests.Support;

/// <summary>
/// Starts a <see cref="GuardianServer"/> set up for ingestion tests: the workflow runner off (scheduled instances
/// are still written) and a queue listener that polls and retries fast, so poison handling finishes in seconds.
/// </summary>
public static class IngestionServer
{
    public static readonly IReadOnlyDictionary<string, string?> Defaults = new Dictionary<string, string?>
    {
        ["Workflow:Enabled"] = "false",
        ["Queue:PollInterval"] = "00:00:00.050",
        ["Queue:RetryDelay"] = "00:00:00.100",
        ["Queue:VisibilityTimeout"] = "00:00:05",
    };

    public static GuardianServer Start(AzuriteFixture azurite, params (string Key, string? Value)[] settings)
    {
        var all = new Dictionary<string, string?>(Defaults);
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        return GuardianServer.Start(azurite, all);
    }
}
