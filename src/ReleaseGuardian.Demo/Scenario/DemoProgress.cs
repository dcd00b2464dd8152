using ReleaseGuardian.Demo.LoadGeneration;

namespace ReleaseGuardian.Demo.Scenario;

/// <summary>One load test of the demo and the guardian's verdict on it.</summary>
/// <param name="TestId">The load test's id (the run id is <c>lt-</c> and this).</param>
/// <param name="Label">What the run is for, e.g. "training 3/5" or "validation".</param>
/// <param name="Purpose">training or validation.</param>
/// <param name="FlagVariant">The variant the service served when the test started.</param>
/// <param name="Load">What the load generator measured.</param>
/// <param name="Status">The verdict status.</param>
/// <param name="Decision">go, nogo or inconclusive.</param>
/// <param name="Score">The verdict score, when any objective was scored.</param>
/// <param name="Headline">The verdict in one line.</param>
/// <param name="Rollback">The rollback's result (e.g. rolled-back), when one was attempted.</param>
/// <param name="RollbackSummary">What the rollback did.</param>
public sealed record DemoRun(
    string TestId,
    string Label,
    string Purpose,
    string FlagVariant,
    LoadTestResult Load,
    string Status,
    string Decision,
    double? Score,
    string Headline,
    string? Rollback,
    string? RollbackSummary)
{
    /// <summary>The guardian's run id.</summary>
    public string RunId => "lt-" + TestId;

    /// <summary>The p95 latency in ms the guardian judged: the service's own handling time.</summary>
    public double P95Ms => K6Summary.Percentile(Load.ServiceLatenciesMs.Order().ToArray(), 0.95);

    /// <summary>The p95 latency in ms as the load generator saw it, queueing on this machine included.</summary>
    public double ClientP95Ms => K6Summary.Percentile(Load.LatenciesMs.Order().ToArray(), 0.95);
}

/// <summary>
/// Hears the demo as it goes, to show live progress. Calls arrive in story order; only
/// <see cref="LoadTestProgress"/> may arrive from several threads at once.
/// </summary>
public interface IDemoProgress
{
    /// <summary>A new chapter of the story begins.</summary>
    void Stage(string title);

    /// <summary>Something happened worth a line (a flag edited, an event sent, the service recovered).</summary>
    void Note(string text);

    /// <summary>A load test starts.</summary>
    void LoadTestStarted(string testId, string label, string flagVariant, LoadProfile profile);

    /// <summary>A load test's requests progress.</summary>
    void LoadTestProgress(LoadProgress progress);

    /// <summary>The guardian works on the result: the orchestration's runtime status and custom status.</summary>
    void Evaluating(WorkflowState state);

    /// <summary>The guardian's verdict on the load test.</summary>
    void LoadTestJudged(DemoRun run);

    /// <summary>
    /// The baseline training orchestration moved on: its runtime status and custom status (detail
    /// <c>training k/N: ...</c>), once per change the status route showed.
    /// </summary>
    void Training(WorkflowState state);

    /// <summary>
    /// A release (the ReleasePlan orchestration) moved on: its runtime status and custom status (detail
    /// <c>stage k/N: p%, ...</c>), once per change the status route showed.
    /// </summary>
    void Release(WorkflowState state);
}

/// <summary>An <see cref="IDemoProgress"/> that shows nothing.</summary>
public sealed class SilentDemoProgress : IDemoProgress
{
    /// <inheritdoc />
    public void Stage(string title)
    {
    }

    /// <inheritdoc />
    public void Note(string text)
    {
    }

    /// <inheritdoc />
    public void LoadTestStarted(string testId, string label, string flagVariant, LoadProfile profile)
    {
    }

    /// <inheritdoc />
    public void LoadTestProgress(LoadProgress progress)
    {
    }

    /// <inheritdoc />
    public void Evaluating(WorkflowState state)
    {
    }

    /// <inheritdoc />
    public void LoadTestJudged(DemoRun run)
    {
    }

    /// <inheritdoc />
    public void Training(WorkflowState state)
    {
    }

    /// <inheritdoc />
    public void Release(WorkflowState state)
    {
    }
}
