namespace ReleaseGuardian.Application.Hosting;

/// <summary>
/// CloudEvents <c>type</c> values. The reverse-DNS prefix <c>releaseguardian.</c> is ours; the suffix
/// <c>.v1</c> versions the data schema (DESIGN.md §6).
/// </summary>
public static class EventTypes
{
    /// <summary>The prefix every Release Guardian event type starts with.</summary>
    public const string Prefix = "releaseguardian.";

    /// <summary>A feature flag changed (inbound; flagd users and scripts send this).</summary>
    public const string FlagChanged = "releaseguardian.flag.changed.v1";

    /// <summary>A load test finished (inbound).</summary>
    public const string LoadTestFinished = "releaseguardian.loadtest.finished.v1";

    /// <summary>A chaos experiment finished (inbound).</summary>
    public const string ChaosFinished = "releaseguardian.chaos.finished.v1";

    /// <summary>A run was judged (outbound).</summary>
    public const string RunJudged = "releaseguardian.run.judged.v1";

    /// <summary>A flag change was rolled back (outbound).</summary>
    public const string FlagRolledBack = "releaseguardian.flag.rolledback.v1";
}
