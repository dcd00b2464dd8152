using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ReleaseGuardian.Application.Guardians;
using ReleaseGuardian.Application.Notifications;
using ReleaseGuardian.Application.Storage;
using ReleaseGuardian.Application.Telemetry;
using ReleaseGuardian.Application.Workflow;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Core.Judgement;

namespace ReleaseGuardian.Application.Releases;

/// <summary>The activities of <see cref="ReleasePlanWorkflow"/>. Each is safe to run again (activities run at least once).</summary>
public interface IReleasePlanActivities
{
    /// <summary><see cref="WorkflowNames.CaptureFlagState"/>.</summary>
    Task<CaptureFlagResult> CaptureFlagStateAsync(CaptureFlagInput input, CancellationToken cancellationToken);

    /// <summary><see cref="WorkflowNames.SetFlagRollout"/>.</summary>
    Task<RolloutWriteResult> SetFlagRolloutAsync(SetRolloutInput input, CancellationToken cancellationToken);

    /// <summary><see cref="WorkflowNames.RestoreFlagState"/>.</summary>
    Task<RolloutWriteResult> RestoreFlagStateAsync(RestoreFlagInput input, CancellationToken cancellationToken);

    /// <summary><see cref="WorkflowNames.RecordRelease"/>.</summary>
    Task<RecordReleaseResult> RecordReleaseAsync(RecordReleaseInput input, CancellationToken cancellationToken);

    /// <summary><see cref="WorkflowNames.ReleaseFlagLock"/>.</summary>
    Task<bool> ReleaseFlagLockAsync(ReleaseLockInput input, CancellationToken cancellationToken);
}

/// <inheritdoc />
public sealed class ReleasePlanActivities(
    GuardianService guardians,
    IEnumerable<IFlagRolloutClient> rolloutClients,
    IReleaseStore releases,
    IRunStore runs,
    INotificationStore notifications,
    NotificationDispatcher dispatcher,
    ReleaseLinks links,
    TimeProvider clock) : IReleasePlanActivities
{
    /// <inheritdoc />
    public async Task<CaptureFlagResult> CaptureFlagStateAsync(CaptureFlagInput input, CancellationToken cancellationToken)
    {
        using var activity = Trace(WorkflowNames.CaptureFlagState, input.Flag);
        if (ClientFor(input.Flag) is not { } client)
        {
            return new CaptureFlagResult(false, NoClient(input.Flag), null);
        }

        try
        {
            var snapshot = await client.CaptureAsync(input.Flag, cancellationToken);
            return FlagRolloutSnapshots.IsUnknown(snapshot)
                ? new CaptureFlagResult(false, snapshot.Summary, null, client.SupportsPercentages)
                : new CaptureFlagResult(true, snapshot.Summary, snapshot, client.SupportsPercentages);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The port throws when the flag cannot be read at all (missing file, unknown flag): an answer, not a retry.
            return new CaptureFlagResult(false, e.Message, null, client.SupportsPercentages);
        }
    }

    /// <inheritdoc />
    public async Task<RolloutWriteResult> SetFlagRolloutAsync(SetRolloutInput input, CancellationToken cancellationToken)
    {
        using var activity = Trace(WorkflowNames.SetFlagRollout, input.Flag);
        return ClientFor(input.Flag) is { } client
            ? await client.SetRolloutAsync(input.Flag, input.PreRelease, input.Percent, input.Variant, input.Reason, cancellationToken)
            : new RolloutWriteResult(false, NoClient(input.Flag), null);
    }

    /// <inheritdoc />
    public async Task<RolloutWriteResult> RestoreFlagStateAsync(RestoreFlagInput input, CancellationToken cancellationToken)
    {
        using var activity = Trace(WorkflowNames.RestoreFlagState, input.Flag);
        return ClientFor(input.Flag) is { } client
            ? await client.RestoreAsync(input.Flag, input.PreRelease, input.Reason, cancellationToken)
            : new RolloutWriteResult(false, NoClient(input.Flag), null);
    }

    /// <inheritdoc />
    public async Task<RecordReleaseResult> RecordReleaseAsync(RecordReleaseInput input, CancellationToken cancellationToken)
    {
        var release = input.Release;
        await releases.SaveAsync(ReleaseRecords.Of(release), cancellationToken);
        if (input.Notice is not { } notice || await guardians.FindAsync(release.GuardianId, cancellationToken) is not { } guardian)
        {
            return new RecordReleaseResult(null, 0);
        }

        var message = await MessageAsync(guardian, release, notice, cancellationToken);
        var record = new NotificationRecord(message.Id, guardian.Id, NotificationKinds.Release, message.At,
            JsonSerializer.Serialize(message, NotificationJsonContext.Default.NotificationMessage), []);
        var saved = await notifications.SaveAsync(record, cancellationToken);
        if (!saved.Succeeded)
        {
            // Recorded by an earlier execution of this activity; sending again would notify people twice.
            return new RecordReleaseResult(message.Id, 0);
        }

        var outcomes = await dispatcher.DispatchAsync(message, guardian, cancellationToken);
        await notifications.UpdateDeliveriesAsync(record, outcomes
            .Select(o => new Storage.DeliveryOutcome($"{o.TargetType} {o.Url}", o.Delivered, o.StatusCode, o.Error, o.At, o.Attempts))
            .ToList(), cancellationToken);
        return new RecordReleaseResult(message.Id, outcomes.Count(o => o.Delivered));
    }

    /// <inheritdoc />
    public Task<bool> ReleaseFlagLockAsync(ReleaseLockInput input, CancellationToken cancellationToken) =>
        releases.UnlockAsync(ReleaseLocks.KeyOf(FlagScope.Of(input.Flag)), input.ReleaseId, cancellationToken);

    private async Task<NotificationMessage> MessageAsync(GuardianDefinition guardian, ReleaseReport release, ReleaseNotice notice, CancellationToken cancellationToken)
    {
        var decision = notice.Decision switch
        {
            "go" => Decision.Go,
            "nogo" => Decision.NoGo,
            _ => Decision.Inconclusive,
        };
        var status = ObjectiveStatus.Info;
        double? score = null;
        IReadOnlyList<ObjectiveLine> objectives = [];
        if (notice.RunId is { } runId && await runs.GetAsync(guardian.Id, runId, cancellationToken) is { Run.VerdictJson: { } json }
            && VerdictJson.Parse(json).Value is { } verdict)
        {
            // The stage's evaluation is the evidence: its objectives, values and thresholds, as a verdict notification shows them.
            status = verdict.Status;
            score = verdict.Score;
            objectives = verdict.Objectives.Select(o => new ObjectiveLine(o.Name, o.Signal, o.Status, o.Value, o.Warning, o.Failure, o.Explanation, o.Key)).ToList();
        }

        return new NotificationMessage(
            $"{release.InstanceId}:{notice.Key}",
            NotificationKind.ReleaseStage,
            guardian.Id,
            guardian.DisplayName,
            notice.RunId ?? release.ReleaseId,
            decision,
            status,
            score,
            objectives,
            null,
            ActionTaken.NotifiedOnly($"release {release.ReleaseId} {notice.Summary}"),
            new NotificationLinks(notice.RunId is null ? null : links.Run(guardian.Id, notice.RunId), links.Status(guardian.Id, release.ReleaseId)),
            clock.GetUtcNow());
    }

    private IFlagRolloutClient? ClientFor(FlagBinding flag) =>
        rolloutClients.FirstOrDefault(c => string.Equals(c.Provider, flag.Provider, StringComparison.OrdinalIgnoreCase));

    private static string NoClient(FlagBinding flag) => $"no rollout client for provider '{flag.Provider}' in this host";

    private static System.Diagnostics.Activity? Trace(string name, FlagBinding flag)
    {
        var activity = GuardianTelemetry.Source.StartActivity(name);
        activity?.SetTag(GuardianTelemetry.FeatureFlag.Key, flag.Key);
        activity?.SetTag(GuardianTelemetry.FeatureFlag.ProviderName, flag.Provider);
        return activity;
    }
}

/// <summary>A release report as a store row, and back.</summary>
public static class ReleaseRecords
{
    /// <summary>The row of <paramref name="release"/>.</summary>
    public static ReleaseRecord Of(ReleaseReport release)
    {
        ArgumentNullException.ThrowIfNull(release);
        return new ReleaseRecord(release.GuardianId, release.ReleaseId, release.State, release.StartedAt,
            JsonSerializer.Serialize(release, WorkflowJsonContext.Default.ReleaseReport));
    }

    /// <summary>The report a row holds.</summary>
    public static ReleaseReport ReportOf(ReleaseRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return JsonSerializer.Deserialize(record.ReportJson, WorkflowJsonContext.Default.ReleaseReport)
            ?? throw new InvalidOperationException($"Release {record.ReleaseId} has no report.");
    }
}

/// <summary>Calls a release plan activity by name with its input and result as JSON, for engines that carry text.</summary>
public static class ReleasePlanActivityDispatch
{
    /// <summary>The activities this dispatch serves.</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        WorkflowNames.CaptureFlagState, WorkflowNames.SetFlagRollout, WorkflowNames.RestoreFlagState,
        WorkflowNames.RecordRelease, WorkflowNames.ReleaseFlagLock,
    ];

    /// <summary>Invokes the activity called <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">The name is not a release plan activity.</exception>
    public static async Task<string> InvokeJsonAsync(IReleasePlanActivities activities, string name, string inputJson, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(activities);
        var json = WorkflowJsonContext.Default;
        return await (name switch
        {
            WorkflowNames.CaptureFlagState => ActivityJson.InvokeAsync(inputJson, json.CaptureFlagInput, json.CaptureFlagResult, input => activities.CaptureFlagStateAsync(input, cancellationToken)),
            WorkflowNames.SetFlagRollout => ActivityJson.InvokeAsync(inputJson, json.SetRolloutInput, json.RolloutWriteResult, input => activities.SetFlagRolloutAsync(input, cancellationToken)),
            WorkflowNames.RestoreFlagState => ActivityJson.InvokeAsync(inputJson, json.RestoreFlagInput, json.RolloutWriteResult, input => activities.RestoreFlagStateAsync(input, cancellationToken)),
            WorkflowNames.RecordRelease => ActivityJson.InvokeAsync(inputJson, json.RecordReleaseInput, json.RecordReleaseResult, input => activities.RecordReleaseAsync(input, cancellationToken)),
            WorkflowNames.ReleaseFlagLock => ActivityJson.InvokeAsync(inputJson, json.ReleaseLockInput, json.Boolean, input => activities.ReleaseFlagLockAsync(input, cancellationToken)),
            _ => throw new ArgumentException($"'{name}' is not an activity of {WorkflowNames.ReleasePlan}.", nameof(name)),
        });
    }

}
