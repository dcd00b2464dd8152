using System.Globalization;
using ReleaseGuardian.Application.Training;
using ReleaseGuardian.Application.Workflow;
using ReleaseGuardian.Core.LoadTests;
using ReleaseGuardian.Core.Releases;

namespace ReleaseGuardian.Application.Releases;

/// <summary>
/// The release plan orchestration (issue 15, docs/releases.md): capture the flag's exact pre-release state, then per
/// stage check nobody changed the flag, set its rollout, validate (a load test, or a hold then a window evaluation)
/// until <c>requiredPasses</c> consecutive Go, and advance (after an approval when the plan asks for one). A No-Go
/// restores the pre-release state and stops; an Inconclusive, a person's change, a pause or an approval timeout waits
/// for a person. Written once against <see cref="IWorkflowContext"/> and deterministic: every id derives from the
/// release id and every time from the replay-safe clock.
/// </summary>
public static class ReleasePlanWorkflow
{
    /// <summary>The longest single durable wait; longer waits (a paused release, a long approval timeout) are chained.</summary>
    public static TimeSpan LongestWait { get; } = TimeSpan.FromDays(3);

    /// <summary>Runs one release.</summary>
    public static Task<ReleaseReport> RunAsync(IWorkflowContext context, ReleaseRequest request)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(request);
        return new Release(context, request).RunAsync();
    }

    private enum Next
    {
        Advance,
        Revalidate,
        Ended,
    }

    private sealed class Release(IWorkflowContext context, ReleaseRequest request)
    {
        private readonly ReleasePlan _plan = request.Plan;
        private readonly List<ReleaseStageReport> _stages = request.Plan.Stages
            .Select((s, i) => new ReleaseStageReport(i + 1, s.Rollout, "pending", 0, [])).ToList();
        private readonly List<ReleaseControl> _controls = [];
        private readonly DateTimeOffset _startedAt = Utc(context.CurrentUtcDateTime);
        private FlagRolloutSnapshot? _preRelease;
        private FlagRolloutSnapshot? _last;
        private bool _written;
        private string _state = ReleaseStates.Running;
        private string _detail = "starting";
        private int _current;
        private int _notices;
        private DateTimeOffset? _endedAt;
        private Task<ReleaseControl?>? _inbox;
        private readonly List<ReleaseControl> _deferred = [];
        private ReleaseReport? _ended;

        private int Count => _plan.Stages.Count;

        private string Instance => ReleaseNames.InstanceId(request.GuardianId, request.ReleaseId);

        public async Task<ReleaseReport> RunAsync()
        {
            try
            {
                return await RunStagesAsync();
            }
            catch (Exception e) when (_ended is null)
            {
                // An activity failed after its retries (storage or the flag service kept failing): undo what the release
                // wrote, say so, free the flag, and end rather than leave a half-rolled-out flag behind a failed instance.
                var restored = _written ? await TryRestoreAsync($"release {request.ReleaseId} failed: {e.Message}") : null;
                return await EndAsync(ReleaseStates.Failed,
                    $"failed: {e.Message}{(restored is null ? "" : "; " + restored)}", "failed", "nogo");
            }
        }

        private async Task<ReleaseReport> RunStagesAsync()
        {
            Status("capturing", "capturing the flag's pre-release state");
            var capture = await CaptureAsync();
            if (!capture.Succeeded || capture.Snapshot is null)
            {
                return await EndAsync(ReleaseStates.Failed, $"the flag could not be read, nothing was changed: {capture.Detail}", "failed", "inconclusive");
            }

            _preRelease = _last = capture.Snapshot;
            if (!capture.ClientSupportsPercentages || !capture.Snapshot.SupportsPercentages)
            {
                if (PlanReading.OnOffOnly(_plan, request.Flag.Provider) is { } refusal)
                {
                    return await EndAsync(ReleaseStates.Refused, $"refused, nothing was changed: {refusal.Path}: {refusal.Message}", "refused", "inconclusive");
                }
            }

            await RecordAsync(null);
            while (_current < Count)
            {
                if (await RunStageAsync(_current) == Next.Ended)
                {
                    return _ended!;
                }

                _current++;
            }

            _current = Count - 1;
            var last = _plan.Stages[^1].Rollout;
            return await EndAsync(ReleaseStates.Completed,
                $"completed: all {Count} stage(s) passed; {request.Flag.Key} serves {last}% ({_last!.Summary})", "completed", "go");
        }

        private async Task<Next> RunStageAsync(int index)
        {
            var stage = _plan.Stages[index];

            // A person who changed the flag since the release last wrote it is not overruled silently.
            var check = await CaptureAsync();
            if (!check.Succeeded || check.Snapshot is null)
            {
                if (await PauseAsync(index, $"the flag could not be read before the stage: {check.Detail}", "unreadable", approvable: false) is { } abort)
                {
                    return await AbortAsync(index, abort);
                }
            }
            else if (check.Snapshot.Fingerprint != _last!.Fingerprint)
            {
                var change = $"the flag was changed outside the release: the release left it {_last.Summary}, it is now {check.Snapshot.Summary}";
                if (await PauseAsync(index, change, "changed", approvable: false) is { } abort)
                {
                    return await AbortAsync(index, abort);
                }

                // Resumed: the person accepted that this stage's rollout replaces their change.
                _last = check.Snapshot;
            }

            Status("rolling-out", $"{Prefix(index)}, setting rollout");
            _written = true;
            var write = await context.CallActivityAsync<RolloutWriteResult>(WorkflowNames.SetFlagRollout, new SetRolloutInput(
                request.GuardianId, request.ReleaseId, request.Flag, _preRelease!, stage.Rollout, _plan.Variant,
                $"release {request.ReleaseId} stage {index + 1}/{Count}: {stage.Rollout}%"));
            if (!write.Succeeded)
            {
                var restored = await TryRestoreAsync($"release {request.ReleaseId}: setting {stage.Rollout}% failed");
                return Ended(await EndAsync(ReleaseStates.Failed, $"{Prefix(index)}, setting the rollout failed: {write.Detail}; {restored}", "failed", "nogo"));
            }

            _last = write.After ?? (await CaptureAsync()).Snapshot ?? _last;
            Stage(index, s => s with { State = "running", StartedAt = Now(), Flag = _last!.Summary });

            while (true)
            {
                var next = await ValidateStageAsync(index);
                if (next != Next.Revalidate)
                {
                    return next;
                }
            }
        }

        // Validates until requiredPasses consecutive Go, then advances (after an approval when the plan asks for one).
        private async Task<Next> ValidateStageAsync(int index)
        {
            var passes = 0;
            Stage(index, s => s with { Passes = 0 });
            while (passes < _plan.RequiredPasses)
            {
                var attempt = _stages[index].Evaluations.Count + 1;
                var (evaluation, control) = await ValidateOnceAsync(index, attempt);
                if (control is { Action: ReleaseActions.Abort })
                {
                    return await AbortAsync(index, control);
                }

                if (evaluation is null)
                {
                    // Paused during the hold and resumed: the stage is validated again from the start.
                    passes = 0;
                    continue;
                }

                Stage(index, s => s with { Evaluations = [.. s.Evaluations, evaluation] });
                switch (evaluation.Decision)
                {
                    case "go":
                        passes++;
                        Stage(index, s => s with { Passes = passes });
                        await RecordAsync(Notice(index, $"{Prefix(index)}: Go ({passes}/{_plan.RequiredPasses}): {evaluation.Headline}", evaluation.RunId, "go"));
                        break;
                    case "nogo":
                        Stage(index, s => s with { State = "failed", EndedAt = Now() });
                        Status("restoring", $"{Prefix(index)}, No-Go: restoring the pre-release state");
                        var restored = await RestoreAsync($"release {request.ReleaseId} stage {index + 1}: No-Go: {evaluation.Headline}");
                        return Ended(await EndAsync(restored.Succeeded ? ReleaseStates.RolledBack : ReleaseStates.Failed,
                            $"{Prefix(index)}, No-Go: {evaluation.Headline}; {Describe(restored)}", "nogo", "nogo", evaluation.RunId));
                    default:
                        passes = 0;
                        Stage(index, s => s with { Passes = 0 });
                        if (await PauseAsync(index, $"inconclusive ({evaluation.Headline})", "inconclusive", approvable: false, evaluation.RunId) is { } abort)
                        {
                            return await AbortAsync(index, abort);
                        }

                        continue;
                }

                // A pause sent while a load test ran or an evaluation was judged is acted on before the next step.
                if (TakeDeferredPause() is { } pending)
                {
                    if (await PauseAsync(index, Paused(pending), "paused", approvable: false) is { } abort)
                    {
                        return await AbortAsync(index, abort);
                    }

                    return Next.Revalidate;
                }
            }

            Stage(index, s => s with { State = "passed", EndedAt = Now() });
            if (_plan.Approval != ReleaseApprovals.Manual || index == Count - 1)
            {
                return Next.Advance;
            }

            return await AwaitApprovalAsync(index);
        }

        private async Task<Next> AwaitApprovalAsync(int index)
        {
            var timeout = _plan.ApprovalTimeout ?? ReleasePlan.DefaultApprovalTimeout;
            var deadline = context.CurrentUtcDateTime.Add(timeout);
            _state = ReleaseStates.WaitingForApproval;
            Stage(index, s => s with { State = "waiting-for-approval" });
            await RecordThenAnnounceAsync("waiting-for-approval", $"{Prefix(index)}, waiting for approval until {Clock(deadline)}",
                Notice(index, $"{Prefix(index)}: passed; waiting for approval to go to {_plan.Stages[index + 1].Rollout}%", null, "go"));
            while (true)
            {
                var control = await WaitForControlUntilAsync(deadline);
                string reason;
                if (control is null)
                {
                    reason = $"approval timed out after {Span(timeout)}";
                }
                else if (control.Action == ReleaseActions.Approve)
                {
                    _state = ReleaseStates.Running;
                    Stage(index, s => s with { State = "passed" });
                    return Next.Advance;
                }
                else if (control.Action == ReleaseActions.Abort)
                {
                    return await AbortAsync(index, control);
                }
                else if (control.Action == ReleaseActions.Pause)
                {
                    reason = Paused(control);
                }
                else
                {
                    continue;
                }

                var decision = await PauseUntilAsync(index, reason, control is null ? "approval-timeout" : "paused", approvable: true, null);
                switch (decision.Action)
                {
                    case ReleaseActions.Abort:
                        return await AbortAsync(index, decision);
                    case ReleaseActions.Approve:
                        _state = ReleaseStates.Running;
                        Stage(index, s => s with { State = "passed" });
                        return Next.Advance;
                    default:
                        return Next.Revalidate;
                }
            }
        }

        // One validation: (evaluation, null); paused and resumed during the hold: (null, null); aborted: (null, abort).
        private async Task<(ReleaseEvaluation? Evaluation, ReleaseControl? Control)> ValidateOnceAsync(int index, int attempt)
        {
            var id = ReleaseNames.ValidationId(request.ReleaseId, index + 1, attempt);
            if (_plan.Validate == ReleaseValidations.Window)
            {
                var start = context.CurrentUtcDateTime;
                var until = start.Add(_plan.Stages[index].Hold ?? TimeSpan.Zero);
                Stage(index, s => s with { State = "holding" });
                Status("holding", $"{Prefix(index)}, holding until {Clock(until)}");
                await RecordAsync(null);
                while (context.CurrentUtcDateTime < until)
                {
                    var control = await WaitForControlUntilAsync(until);
                    if (control is null)
                    {
                        break;
                    }

                    if (control.Action == ReleaseActions.Abort)
                    {
                        return (null, control);
                    }

                    if (control.Action == ReleaseActions.Pause)
                    {
                        return await PauseAsync(index, Paused(control), "paused", approvable: false) is { } abort ? (null, abort) : (null, null);
                    }
                }

                Stage(index, s => s with { State = "validating" });
                Status("validating", $"{Prefix(index)}, validating");
                var end = context.CurrentUtcDateTime;
                var evaluation = new EvaluationRequest(request.GuardianId, id, RunPurpose.Validation, Utc(start), Utc(end),
                    EvaluationTriggers.Release, ReleaseId: request.ReleaseId);
                var (outcome, stopped) = await WhileListeningAsync(context.CallSubOrchestratorAsync<EvaluationOutcome>(
                    WorkflowNames.ReleaseWorkflow, WorkflowNames.InstanceId(request.GuardianId, id), evaluation));
                return outcome is null
                    ? (null, stopped)
                    : (new ReleaseEvaluation(attempt, outcome.RunId, outcome.Decision, outcome.Status, outcome.Headline, Utc(start), Utc(end)), null);
            }

            Stage(index, s => s with { State = "validating" });
            Status("validating", $"{Prefix(index)}, validating");
            await RecordAsync(null);
            using var abandon = new CancellationTokenSource();
            var (run, aborted) = await WhileListeningAsync(LoadTestRuns.LaunchAndEvaluateAsync(
                context, request.GuardianId, id, "validation", TimeSpan.FromMinutes(request.LoadTestTimeoutMinutes),
                step => Status("validating", $"{Prefix(index)}, validating: {step}"), request.ReleaseId, abandon.Token));
            if (run is null)
            {
                // Aborted while the load test ran: its result timer must not outlive the release.
                abandon.Cancel();
                return (null, aborted);
            }

            return run.Evaluation is { } judged
                ? (new ReleaseEvaluation(attempt, judged.RunId, judged.Decision, judged.Status, judged.Headline), null)
                : (new ReleaseEvaluation(attempt, null, "inconclusive", run.Result, $"load test {id}: {run.Detail}"), null);
        }

        // Pauses for a person; answers the abort when aborted, null when resumed.
        private async Task<ReleaseControl?> PauseAsync(int index, string reason, string kind, bool approvable, string? runId = null)
        {
            var decision = await PauseUntilAsync(index, reason, kind, approvable, runId);
            return decision.Action == ReleaseActions.Abort ? decision : null;
        }

        private async Task<ReleaseControl> PauseUntilAsync(int index, string reason, string kind, bool approvable, string? runId)
        {
            var before = _stages[index].State;
            _state = ReleaseStates.Paused;
            Stage(index, s => s with { State = "paused" });
            await RecordThenAnnounceAsync("paused", $"{Prefix(index)}, paused: {reason}",
                Notice(index, $"{Prefix(index)}, paused: {reason}; resume or abort", runId, "inconclusive", kind));
            while (true)
            {
                var control = await WaitForControlUntilAsync(DateTime.MaxValue);
                if (control is { Action: ReleaseActions.Abort or ReleaseActions.Resume }
                    || (approvable && control is { Action: ReleaseActions.Approve }))
                {
                    if (control.Action != ReleaseActions.Abort)
                    {
                        _state = ReleaseStates.Running;
                        Stage(index, s => s with { State = before == "paused" ? "running" : before });
                        Status("running", $"{Prefix(index)}, {control.Action}d{By(control)}");
                    }

                    return control;
                }
            }
        }

        private async Task<Next> AbortAsync(int index, ReleaseControl control)
        {
            Stage(index, s => s with { State = "aborted", EndedAt = Now() });
            Status("restoring", $"{Prefix(index)}, aborted{By(control)}: restoring the pre-release state");
            var reason = $"release {request.ReleaseId} aborted{By(control)}{(control.Reason is null ? "" : ": " + control.Reason)}";
            if (!_written)
            {
                return Ended(await EndAsync(ReleaseStates.Aborted, $"{Prefix(index)}, aborted{By(control)} before any write; the flag is unchanged", "aborted", "inconclusive"));
            }

            var restored = await RestoreAsync(reason);
            return Ended(await EndAsync(restored.Succeeded ? ReleaseStates.Aborted : ReleaseStates.Failed,
                $"{Prefix(index)}, aborted{By(control)}{(control.Reason is null ? "" : " (" + control.Reason + ")")}; {Describe(restored)}", "aborted", "inconclusive"));
        }

        private async Task<RolloutWriteResult> RestoreAsync(string reason) =>
            await context.CallActivityAsync<RolloutWriteResult>(WorkflowNames.RestoreFlagState,
                new RestoreFlagInput(request.GuardianId, request.ReleaseId, request.Flag, _preRelease!, reason));

        private async Task<string> TryRestoreAsync(string reason)
        {
            try
            {
                return Describe(await RestoreAsync(reason));
            }
            catch (Exception e)
            {
                return $"restoring the pre-release state FAILED ({e.Message}): restore {request.Flag.Key} by hand to {_preRelease!.Summary}";
            }
        }

        private string Describe(RolloutWriteResult restored) => restored.Succeeded
            ? $"restored the pre-release state ({_preRelease!.Summary})"
            : $"restoring the pre-release state FAILED ({restored.Detail}): restore {request.Flag.Key} by hand to {_preRelease!.Summary}";

        private async Task<ReleaseReport> EndAsync(string state, string detail, string kind, string decision, string? runId = null)
        {
            _state = state;
            _detail = detail;
            _endedAt = Now();
            var notice = new ReleaseNotice($"n{++_notices}-{kind}", Math.Min(_current, Count - 1) + 1, detail, runId, decision);
            await RecordThenAnnounceAsync(state, detail, notice);
            await context.CallActivityAsync<bool>(WorkflowNames.ReleaseFlagLock, new ReleaseLockInput(request.GuardianId, request.ReleaseId, request.Flag));
            _ended = Report();
            return _ended;
        }

        private Next Ended(ReleaseReport report)
        {
            _ended = report;
            return Next.Ended;
        }

        // One wait for the next control is kept open across steps, so a control that arrives while the release is busy
        // (a load test running, an evaluation being judged) is never handed to a wait that was given up: the engines
        // deliver an event to the oldest open wait for its name.
        private Task<ReleaseControl?> Inbox() =>
            _inbox ??= context.WaitForEventAsync<ReleaseControl>(ReleaseNames.ControlEvent);

        private async Task<ReleaseControl?> TakeAsync(Task<ReleaseControl?> inbox)
        {
            _inbox = null;
            var control = await inbox;
            if (control is not null)
            {
                _controls.Add(control);
            }

            return control;
        }

        // The next control, or null once the durable timer reaches the deadline (DateTime.MaxValue: no deadline).
        private async Task<ReleaseControl?> WaitForControlUntilAsync(DateTime deadline)
        {
            if (_deferred.Count > 0)
            {
                var kept = _deferred[0];
                _deferred.RemoveAt(0);
                return kept;
            }

            while (true)
            {
                var inbox = Inbox();
                if (deadline == DateTime.MaxValue)
                {
                    if (await TakeAsync(inbox) is { } control)
                    {
                        return control;
                    }

                    continue;
                }

                var now = context.CurrentUtcDateTime;
                if (now >= deadline)
                {
                    return null;
                }

                var fireAt = deadline - now > LongestWait ? now.Add(LongestWait) : deadline;
                using var cancel = new CancellationTokenSource();
                var timer = context.CreateTimerAsync(fireAt, cancel.Token);
                if (await Task.WhenAny(inbox, timer) == timer)
                {
                    if (fireAt >= deadline)
                    {
                        return null;
                    }

                    continue;
                }

                // Synchronously: the engines resume orchestrator code on their own scheduler only.
                cancel.Cancel();
                if (await TakeAsync(inbox) is { } received)
                {
                    return received;
                }
            }
        }

        // Awaits work while listening for controls: an abort ends the wait at once (the work is abandoned), any other
        // control is kept for the next decision point.
        private async Task<(T? Result, ReleaseControl? Abort)> WhileListeningAsync<T>(Task<T> work)
            where T : class
        {
            while (true)
            {
                var inbox = Inbox();
                if (await Task.WhenAny(work, inbox) == work)
                {
                    return (await work, null);
                }

                if (await TakeAsync(inbox) is not { } control)
                {
                    continue;
                }

                if (control.Action == ReleaseActions.Abort)
                {
                    return (null, control);
                }

                _deferred.Add(control);
            }
        }

        // A pause received while busy; approvals and resumes received while running mean nothing and are dropped.
        private ReleaseControl? TakeDeferredPause()
        {
            var pause = _deferred.FirstOrDefault(c => c.Action == ReleaseActions.Pause);
            _deferred.Clear();
            return pause;
        }

        private Task<CaptureFlagResult> CaptureAsync() =>
            context.CallActivityAsync<CaptureFlagResult>(WorkflowNames.CaptureFlagState, new CaptureFlagInput(request.GuardianId, request.ReleaseId, request.Flag));

        private Task<RecordReleaseResult> RecordAsync(ReleaseNotice? notice) =>
            context.CallActivityAsync<RecordReleaseResult>(WorkflowNames.RecordRelease, new RecordReleaseInput(Report(), notice));

        private ReleaseNotice Notice(int index, string summary, string? runId, string decision, string? kind = null) =>
            new($"n{++_notices}-s{index + 1}-{kind ?? decision}", index + 1, summary, runId, decision);

        // The release row is written before the custom status says the same, so whoever reads both (the release route
        // shows them side by side) never sees a pause, a wait or an end that the row does not have yet.
        private async Task RecordThenAnnounceAsync(string step, string detail, ReleaseNotice notice)
        {
            _detail = detail;
            await RecordAsync(notice);
            context.SetCustomStatus(new WorkflowProgress(step, detail));
        }

        private void Status(string step, string detail)
        {
            _detail = detail;
            context.SetCustomStatus(new WorkflowProgress(step, detail));
        }

        private void Stage(int index, Func<ReleaseStageReport, ReleaseStageReport> change) => _stages[index] = change(_stages[index]);

        private ReleaseReport Report() => new(
            request.GuardianId, request.ReleaseId, Instance, request.Flag, _plan, _state, Math.Min(_current, Count - 1) + 1, _detail,
            _stages.ToList(), _preRelease?.Summary, _startedAt, Now(), _endedAt, _controls.ToList());

        private string Prefix(int index) => $"stage {index + 1}/{Count}: {_plan.Stages[index].Rollout}%";

        private DateTimeOffset Now() => Utc(context.CurrentUtcDateTime);

        private static string Paused(ReleaseControl control) =>
            $"paused{By(control)}{(control.Reason is null ? "" : " (" + control.Reason + ")")}";

        private static string By(ReleaseControl control) => control.By is null ? "" : " by " + control.By;

        private static string Clock(DateTime at) => at.ToString("HH:mm:ss'Z'", CultureInfo.InvariantCulture);

        private static string Span(TimeSpan span) => PlanReading.Format(span);
    }

    private static DateTimeOffset Utc(DateTime time) => new(DateTime.SpecifyKind(time, DateTimeKind.Utc));
}
