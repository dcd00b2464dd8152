using System.Text.Json;
using ReleaseGuardian.Application.Guardians;
using ReleaseGuardian.Application.Metrics;
using ReleaseGuardian.Application.Notifications;
using ReleaseGuardian.Application.Rollback;
using ReleaseGuardian.Application.Storage;
using ReleaseGuardian.Application.Telemetry;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Core.Flags;
using ReleaseGuardian.Core.Judgement;
using ReleaseGuardian.Core.LoadTests;

namespace ReleaseGuardian.Application.Workflow;

/// <summary>
/// The activities of the release workflow. Each is safe to run again after a crash: the run is saved only if
/// it does not exist yet, a change is rolled back only by the run that claimed it in the rollback ledger, and a
/// notification is recorded once per run.
/// </summary>
public sealed class ReleaseActivities(
    GuardianService guardians,
    MetricsSourceCatalog metrics,
    IRunStore runs,
    IEventStore events,
    IFlagRollbackClientCatalog rollbackClients,
    IRollbackLedger ledger,
    INotificationStore notifications,
    NotificationDispatcher dispatcher,
    ReleaseLinks links,
    TimeProvider clock) : IReleaseActivities
{
    /// <inheritdoc />
    public async Task<SignalsResult> QuerySignalsAsync(EvaluationRequest request, CancellationToken cancellationToken)
    {
        using var activity = GuardianTelemetry.Source.StartActivity(WorkflowNames.QuerySignals);
        if (await guardians.FindAsync(request.GuardianId, cancellationToken) is not { } guardian)
        {
            return SignalsResult.GuardianDeleted;
        }

        var measurement = await metrics.MeasureAsync(
            MetricsRequest.For(guardian, request.Start, request.End, request.LoadTestSignals), cancellationToken);
        return new SignalsResult(measurement.Values, measurement.Failures, measurement.Queries);
    }

    /// <inheritdoc />
    public async Task<JudgeRunResult> JudgeRunAsync(JudgeRunInput input, CancellationToken cancellationToken)
    {
        using var activity = GuardianTelemetry.Source.StartActivity(WorkflowNames.JudgeRun);
        var request = input.Request;
        if (input.Signals.GuardianMissing || await guardians.FindAsync(request.GuardianId, cancellationToken) is not { } guardian)
        {
            return JudgeRunResult.GuardianDeleted(request);
        }

        // One query answers both the baseline (eligible runs) and the previous judged run (for the change under test).
        var stored = await runs.GetJudgingHistoryAsync(request.GuardianId, guardian.Training.MaxRuns + 1, newest: 5, cancellationToken);
        var history = stored.Eligible
            .Where(r => r.RunId != request.RunId)
            .TakeLast(guardian.Training.MaxRuns)
            .OrderBy(r => r.WindowEnd)
            .Select(ToHistorical)
            .ToList();
        var run = new Run(request.RunId, request.Purpose, new RunWindow(request.Start, request.End), input.Signals.Values);
        var verdict = WithQueries(ExplainUnmeasured(Judge.Evaluate(guardian, history, run), input.Signals.Failures), input.Signals.Queries);
        var change = await FindChangeUnderTestAsync(guardian, request, stored.Newest, cancellationToken);

        var record = new RunRecord(
            request.GuardianId, request.RunId, request.Purpose, request.Start, request.End, input.Signals.Values,
            VerdictJson.Serialize(verdict, indented: false), DefinitionNames.Of(verdict.Status), false, null,
            change is null ? null : JsonSerializer.Serialize(change, WorkflowJsonContext.Default.FlagChange),
            clock.GetUtcNow());
        // Saved only if new: a replay of an activity that already saved its run answers from what was saved, so
        // the verdict is never judged twice. Reading first would cost a transaction on every first execution.
        var saved = await runs.SaveAsync(record, WriteCondition.IfNotExists, cancellationToken);
        if (!saved.Succeeded)
        {
            record = (await runs.GetAsync(request.GuardianId, request.RunId, cancellationToken))?.Run ?? record;
        }
        else
        {
            GuardianTelemetry.Verdicts.Add(1, new KeyValuePair<string, object?>("releaseguardian.decision", DefinitionNames.Of(verdict.Decision)));
        }

        var result = await ResultOfAsync(guardian, record, cancellationToken);
        // A release stage is rolled back by its release (to the exact pre-release state), never as a change under test.
        return request.ReleaseId is null ? result : result with { RollbackRequired = false, NotifyKind = null };
    }

    /// <inheritdoc />
    public async Task<RollbackFlagResult> RollbackFlagAsync(RollbackFlagInput input, CancellationToken cancellationToken)
    {
        using var activity = GuardianTelemetry.Source.StartActivity(WorkflowNames.RollbackFlag);
        if (await guardians.FindAsync(input.GuardianId, cancellationToken) is not { } guardian)
        {
            // Its flag binding and rollback settings went with it: there is nothing left to act on.
            return new RollbackFlagResult(RollbackResults.GuardianDeleted,
                $"guardian '{input.GuardianId}' was deleted while its run was in flight; nothing was rolled back",
                "check the flag by hand if the change under test should still be undone", 0);
        }

        var change = input.Change ?? await ChangeUnderTestOfAsync(input.GuardianId, input.RunId, cancellationToken);
        activity?.SetTag(GuardianTelemetry.FeatureFlag.Key, change.FlagKey);
        activity?.SetTag(GuardianTelemetry.FeatureFlag.ProviderName, change.Provider);
        activity?.SetTag(GuardianTelemetry.FeatureFlag.Version, change.ChangeId);

        var result = await DecideRollbackAsync(guardian, input, change, cancellationToken);
        GuardianTelemetry.Rollbacks.Add(1,
            new KeyValuePair<string, object?>("releaseguardian.rollback.result", result.Result),
            new KeyValuePair<string, object?>(GuardianTelemetry.FeatureFlag.Key, change.FlagKey));
        return result;
    }

    /// <inheritdoc />
    public async Task<NotificationResult> RecordAndSendNotificationsAsync(NotificationInput input, CancellationToken cancellationToken)
    {
        using var activity = GuardianTelemetry.Source.StartActivity(WorkflowNames.RecordAndSendNotifications);
        var request = input.Request;
        if (await guardians.FindAsync(request.GuardianId, cancellationToken) is not { } guardian)
        {
            // The notification targets were part of the definition that is gone.
            return new NotificationResult("", RollbackResults.GuardianDeleted, 0, 0);
        }

        var (verdict, change, judgedAt) = await JudgedRunOfAsync(request.GuardianId, input.Judgement, cancellationToken);
        var (kind, kindName) = KindOf(verdict.Decision, input.Rollback);

        var message = new NotificationMessage(
            WorkflowNames.InstanceId(request.GuardianId, input.Judgement.RunId),
            kind,
            guardian.Id,
            guardian.DisplayName,
            input.Judgement.RunId,
            verdict.Decision,
            verdict.Status,
            verdict.Score,
            verdict.Objectives.Select(o => new ObjectiveLine(o.Name, o.Signal, o.Status, o.Value, o.Warning, o.Failure, o.Explanation, o.Key)).ToList(),
            change is null ? null : ChangeUnderTest.From(change),
            ActionOf(change, input.Rollback, guardian.Policy),
            new NotificationLinks(links.Run(guardian.Id, input.Judgement.RunId), links.Status(guardian.Id, input.Judgement.RunId)),
            judgedAt);
        var record = new NotificationRecord(
            message.Id, guardian.Id, kindName, message.At,
            JsonSerializer.Serialize(message, NotificationJsonContext.Default.NotificationMessage), [],
            // The timeline shows the rollback from here (TableTimelineStore), so it is kept with the notification.
            input.Rollback is null ? null : JsonSerializer.Serialize(input.Rollback, WorkflowJsonContext.Default.RollbackFlagResult));
        var saved = await notifications.SaveAsync(record, cancellationToken);
        if (!saved.Succeeded)
        {
            // Recorded by an earlier execution of this activity; sending again would notify people twice.
            return new NotificationResult(message.Id, kindName, 0, 0);
        }

        var outcomes = await dispatcher.DispatchAsync(message, guardian, cancellationToken);
        await notifications.UpdateDeliveriesAsync(record, outcomes
            .Select(o => new Storage.DeliveryOutcome($"{o.TargetType} {o.Url}", o.Delivered, o.StatusCode, o.Error, o.At, o.Attempts))
            .ToList(), cancellationToken);
        return new NotificationResult(message.Id, kindName, outcomes.Count(o => o.Delivered), outcomes.Count(o => !o.Delivered));
    }

    private async Task<RollbackFlagResult> DecideRollbackAsync(
        GuardianDefinition guardian, RollbackFlagInput input, FlagChange change, CancellationToken cancellationToken)
    {
        // One read of the flag's latest changes (newest first) answers both questions below: whether a newer change
        // superseded the one under test, and which change came just before it.
        var recent = (await events.GetChangesSinceAsync(Storage.FlagScope.Of(guardian.Flag!), DateTimeOffset.MinValue, 50, cancellationToken))
            .Select(e => e.Change)
            .ToList();

        // A newer change of the same flag replaced the one under test: rolling back now would undo someone else's work.
        var newer = recent
            .Where(c => c.ChangeId != change.ChangeId && c.ChangedAt > change.ChangedAt)
            .MaxBy(c => c.ChangedAt);
        if (newer is not null)
        {
            return new RollbackFlagResult(RollbackResults.Superseded,
                $"{change.FlagKey} not rolled back: change {change.ChangeId} was superseded by {newer.ChangeId} " +
                $"({newer.Current}{(newer.Actor is null ? "" : " by " + newer.Actor)} at {newer.ChangedAt.UtcDateTime:HH:mm:ss}Z)",
                $"Review {change.FlagKey} in {change.Provider}: the verdict of run {input.RunId} applies to change {change.ChangeId}, which is no longer live.",
                0);
        }

        // Flag services report our own rollback like any other change (LaunchDarkly sends a webhook for every
        // audit-log entry). Undoing that echo would re-apply the change that was judged bad.
        if (await RolledBackChangeRestoredByAsync(recent, change, cancellationToken) is { } undone)
        {
            return new RollbackFlagResult(RollbackResults.AlreadyRolledBack,
                $"{change.FlagKey} not rolled back: change {change.ChangeId} restored {change.Current} after run {undone.Claim.ClaimedByRunId} " +
                $"rolled back change {undone.ChangeId}; undoing it would re-apply the change that was judged bad",
                $"Review {change.FlagKey} in {change.Provider}: it is back in the state it had before change {undone.ChangeId}.",
                0);
        }

        var claim = await ledger.ClaimAsync(ChangeKeys.Of(change), input.GuardianId, input.RunId, cancellationToken);
        if (!claim.Granted)
        {
            return new RollbackFlagResult(RollbackResults.AlreadyRolledBack,
                $"{change.FlagKey} change {change.ChangeId} was already handled by run {claim.ClaimedByRunId} ({claim.Result ?? "in progress"}); not rolled back twice",
                null, 0);
        }

        if (claim.Result is not null)
        {
            // This run finished the rollback before (the activity is being replayed): answer exactly as it did then.
            return new RollbackFlagResult(claim.Result, claim.Summary ?? $"{change.FlagKey}: {claim.Result} (recorded earlier by this run)",
                claim.ManualSteps, claim.Attempts);
        }

        RollbackFlagResult result;
        if (change.Previous is null || (change.Previous.Enabled is null && change.Previous.Variant is null))
        {
            result = new RollbackFlagResult(RollbackResults.Failed,
                $"{change.FlagKey} not rolled back: the state before change {change.ChangeId} is unknown",
                $"Restore {change.FlagKey} in {change.Provider} by hand to its state before {change.ChangedAt:u}.", 0);
        }
        else
        {
            var plan = new RollbackPlan(input.GuardianId, input.RunId, guardian.Flag!, change, change.Previous, input.Reason);
            result = await rollbackClients.RollBackAsync(plan, cancellationToken) switch
            {
                RollbackOutcome.Succeeded ok => new RollbackFlagResult(RollbackResults.RolledBack,
                    $"{change.FlagKey} rolled back to {change.Previous} ({ok.Summary})", null, ok.Attempts),
                RollbackOutcome.Failed failed => new RollbackFlagResult(RollbackResults.Failed,
                    $"{change.FlagKey} rollback FAILED after {failed.Attempts} attempt(s): {failed.Reason}", failed.ManualSteps, failed.Attempts),
                RollbackOutcome.NotSupported unsupported => new RollbackFlagResult(RollbackResults.NotSupported,
                    $"{change.FlagKey} not rolled back: {unsupported.Reason}",
                    $"Restore {change.FlagKey} in {change.Provider} by hand to {change.Previous}.", 0),
                _ => throw new InvalidOperationException("Unknown rollback outcome."),
            };
        }

        await ledger.CompleteAsync(ChangeKeys.Of(change), result.Result, result.Summary, result.ManualSteps, result.Attempts, cancellationToken);
        return result;
    }

    // The change just before the one under test, when Release Guardian rolled it back and the change under test
    // is what that rollback restored: the flag service's record of our own rollback.
    private async Task<(string ChangeId, RollbackClaim Claim)?> RolledBackChangeRestoredByAsync(
        IReadOnlyList<FlagChange> recent, FlagChange change, CancellationToken cancellationToken)
    {
        var before = FlagChangeOrder.Latest(recent
            .Where(c => c.ChangeId != change.ChangeId && c.ChangedAt < change.ChangedAt));
        if (before?.Previous is null || before.Previous != change.Current)
        {
            return null;
        }

        var entry = await ledger.FindAsync(ChangeKeys.Of(before), cancellationToken);
        return entry is { Result: RollbackResults.RolledBack } ? (before.ChangeId, entry) : null;
    }

    private async Task<FlagChange?> FindChangeUnderTestAsync(
        GuardianDefinition guardian, EvaluationRequest request, IReadOnlyList<RunRecord> newestRuns, CancellationToken cancellationToken)
    {
        if (guardian.Flag is null)
        {
            return null;
        }

        // DESIGN §3: the latest change of the guarded flag newer than the previous judged run.
        var previous = newestRuns
            .Where(r => r.RunId != request.RunId && r.WindowEnd <= request.End)
            .MaxBy(r => r.WindowEnd);
        var since = previous?.WindowEnd ?? DateTimeOffset.MinValue;
        // Of changes at the same moment, one that states the flag's on/off state wins over one that does not (Unleash's
        // first release sends feature-strategy-add and feature-environment-enabled together), then the larger id.
        var latest = FlagChangeOrder.Latest((await events.GetChangesSinceAsync(Storage.FlagScope.Of(guardian.Flag), since, 50, cancellationToken))
            .Select(e => e.Change)
            .Where(c => c.ChangedAt > since && c.ChangedAt <= request.End));
        return latest is null ? null : latest with { RawPayload = null };
    }

    private async Task<JudgeRunResult> ResultOfAsync(GuardianDefinition guardian, RunRecord record, CancellationToken cancellationToken)
    {
        var verdict = VerdictJson.Parse(record.VerdictJson!).Value!;
        var change = ChangeOf(record);
        var training = verdict.Objectives.Select(o => o.Training).FirstOrDefault(t => t is not null);
        var headline = VerdictHeadline.Of(guardian.Id, verdict);
        var validation = record.Purpose == RunPurpose.Validation;
        var rollback = validation && change is not null && guardian.Policy.RollbackOn.Contains(verdict.Decision);
        string? notify = !validation ? null : verdict.Decision switch
        {
            Decision.NoGo => NotificationKinds.NoGo,
            Decision.Inconclusive => NotificationKinds.Inconclusive,
            _ => null,
        };

        return new JudgeRunResult(record.RunId, DefinitionNames.Of(verdict.Status), DefinitionNames.Of(verdict.Decision),
            verdict.Score, headline, training is not null, (change is null ? null : ChangeKeys.Of(change)), rollback, notify,
            change, record.VerdictJson, record.CreatedAt);
    }

    // A signal the metrics source could not measure is an error with the source's reason, never a silent pass.
    private static Verdict ExplainUnmeasured(Verdict verdict, IReadOnlyDictionary<string, string> failures)
    {
        if (failures.Count == 0 || verdict.Objectives.All(o => o.Status != ObjectiveStatus.Error || !failures.ContainsKey(o.Signal)))
        {
            return verdict;
        }

        var objectives = verdict.Objectives
            .Select(o => o.Status == ObjectiveStatus.Error && failures.TryGetValue(o.Signal, out var reason)
                ? o with { Explanation = $"{o.Signal} could not be measured: {reason}" }
                : o)
            .ToList();
        return Judge.RollUp(objectives);
    }

    // The query behind each signal is part of the run's evidence, so a person can run it again by hand.
    private static Verdict WithQueries(Verdict verdict, IReadOnlyDictionary<string, string> queries)
    {
        if (queries.Count == 0 || verdict.Objectives.All(o => !queries.ContainsKey(o.Signal)))
        {
            return verdict;
        }

        var objectives = verdict.Objectives
            .Select(o => queries.TryGetValue(o.Signal, out var query) ? o with { Explanation = $"{o.Explanation} [query: {query}]" } : o)
            .ToList();
        return verdict with { Objectives = objectives };
    }

    // Checkpoints and inputs written before the judgement carried the change and verdict still resume: read the run.
    private async Task<FlagChange> ChangeUnderTestOfAsync(string guardianId, string runId, CancellationToken cancellationToken)
    {
        var stored = await runs.GetAsync(guardianId, runId, cancellationToken)
            ?? throw new InvalidOperationException($"Run {runId} of {guardianId} was not saved before its rollback.");
        return ChangeOf(stored.Run)
            ?? throw new InvalidOperationException($"Run {runId} of {guardianId} has no change under test.");
    }

    private async Task<(Verdict Verdict, FlagChange? Change, DateTimeOffset JudgedAt)> JudgedRunOfAsync(
        string guardianId, JudgeRunResult judgement, CancellationToken cancellationToken)
    {
        if (judgement is { VerdictJson: { } json, JudgedAt: { } at })
        {
            return (VerdictJson.Parse(json).Value!, judgement.ChangeUnderTest, at);
        }

        var stored = await runs.GetAsync(guardianId, judgement.RunId, cancellationToken)
            ?? throw new InvalidOperationException($"Run {judgement.RunId} of {guardianId} was not saved.");
        return (VerdictJson.Parse(stored.Run.VerdictJson!).Value!, ChangeOf(stored.Run), stored.Run.CreatedAt);
    }

    internal static HistoricalRun ToHistorical(RunRecord record) => new(
        new Run(record.RunId, record.Purpose, new RunWindow(record.WindowStart, record.WindowEnd), record.Signals),
        DefinitionNames.Statuses.TryGetValue(record.Status ?? "", out var status) ? status : ObjectiveStatus.Error,
        record.Invalidated);

    private static FlagChange? ChangeOf(RunRecord record) =>
        record.ChangeUnderTestJson is null ? null
            : JsonSerializer.Deserialize(record.ChangeUnderTestJson, WorkflowJsonContext.Default.FlagChange);

    private static (NotificationKind Kind, string Name) KindOf(Decision decision, RollbackFlagResult? rollback) => rollback?.Result switch
    {
        RollbackResults.RolledBack => (NotificationKind.RolledBack, NotificationKinds.Rollback),
        RollbackResults.Failed => (NotificationKind.RollbackFailed, NotificationKinds.RollbackFailed),
        RollbackResults.NotSupported => (NotificationKind.RollbackFailed, NotificationKinds.RollbackFailed),
        RollbackResults.Superseded => (NotificationKind.Superseded, NotificationKinds.Superseded),
        _ => decision == Decision.Inconclusive
            ? (NotificationKind.Inconclusive, NotificationKinds.Inconclusive)
            : (NotificationKind.NoGo, NotificationKinds.NoGo),
    };

    private static ActionTaken ActionOf(FlagChange? change, RollbackFlagResult? rollback, GuardianPolicy policy)
    {
        if (change is null)
        {
            return ActionTaken.NotifiedOnly("no flag change under test; nothing to roll back");
        }

        var subject = ChangeUnderTest.From(change);
        return rollback?.Result switch
        {
            RollbackResults.RolledBack => ActionTaken.RolledBack(subject, change.Previous!),
            RollbackResults.Failed or RollbackResults.NotSupported => ActionTaken.RollbackFailed(subject, rollback.Summary,
                (rollback.ManualSteps ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)),
            RollbackResults.Superseded => ActionTaken.Superseded(subject, null) with { Error = rollback.Summary },
            RollbackResults.AlreadyRolledBack => ActionTaken.NotifiedOnly(rollback.Summary),
            _ => ActionTaken.NotifiedOnly(
                $"not rolled back: policy rolls back on {string.Join(", ", policy.RollbackOn.Select(DefinitionNames.Of))} only"),
        };
    }
}
