using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ReleaseGuardian.Application.Guardians;
using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Application.Releases;
using ReleaseGuardian.Application.Storage;
using ReleaseGuardian.Application.Workflow;
using ReleaseGuardian.Core.Releases;

namespace ReleaseGuardian.Infrastructure.HttpApi;

/// <summary>Release plans as HTTP answers, for both hosts (docs/releases.md, "API"); management routes.</summary>
public sealed class ReleaseEndpoints(
    GuardianService guardians,
    IEnumerable<IFlagRolloutClient> rolloutClients,
    IReleaseStore releases,
    IReleaseScheduler scheduler,
    TimeProvider clock)
{
    /// <summary>How long a lock whose instance does not exist yet is still respected (a start between its lock and its instance).</summary>
    public static TimeSpan StartGrace { get; } = TimeSpan.FromMinutes(2);

    /// <summary>The longest <c>by</c> or <c>reason</c> of a control.</summary>
    public const int MaxControlText = 500;

    /// <summary>
    /// <c>POST /api/guardians/{id}/releases</c> with the plan: takes the flag's release lock, records the release and starts
    /// the ReleasePlan orchestration; 202 with the check-status payload. 400 names the plan's field, 409 the running release.
    /// </summary>
    public async Task<ApiResponse> StartAsync(string id, WebhookRequest request, CheckStatusPayload checkStatus, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(checkStatus);
        if (request.Body.IsEmpty)
        {
            return ApiResponse.Problem(400, "stages", "send the plan: {\"stages\":[{\"rollout\":10,\"hold\":\"PT10M\"},{\"rollout\":100}],\"validate\":\"loadtest\"}");
        }

        var (plan, errors) = PlanReading.Parse(Encoding.UTF8.GetString(request.Body.Span));
        if (plan is null)
        {
            return Invalid(errors);
        }

        var guardian = await guardians.FindAsync(id, cancellationToken);
        if (guardian is null)
        {
            return ApiResponse.NotFound("id", $"no guardian '{id}'");
        }

        if (plan.Validate == ReleaseValidations.LoadTest && guardian.LoadTest is null)
        {
            return ApiResponse.Problem(400, "validate", $"is loadtest, but guardian '{id}' has no loadTest section to launch the validation load tests; add one or use \"validate\":\"window\"");
        }

        if (guardian.Flag is not { } flag)
        {
            return ApiResponse.Problem(409, "flag", $"guardian '{id}' has no flag binding, so there is no flag to release");
        }

        var client = rolloutClients.FirstOrDefault(c => string.Equals(c.Provider, flag.Provider, StringComparison.OrdinalIgnoreCase));
        if (client is null)
        {
            return ApiResponse.Problem(409, "flag.provider", $"this host has no rollout client for provider '{flag.Provider}'");
        }

        if (!client.SupportsPercentages && PlanReading.OnOffOnly(plan, flag.Provider) is { } clientRefusal)
        {
            return ApiResponse.Problem(400, clientRefusal.Path, clientRefusal.Message);
        }

        FlagRolloutSnapshot snapshot;
        try
        {
            snapshot = await client.CaptureAsync(flag, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return ApiResponse.Problem(409, "flag", $"{flag.Provider} flag '{flag.Key}' could not be read, so nothing was started: {e.Message}");
        }

        if (FlagRolloutSnapshots.IsUnknown(snapshot))
        {
            return ApiResponse.Problem(409, "flag", $"{flag.Provider} flag '{flag.Key}' could not be read, so nothing was started: {snapshot.Summary}");
        }

        if (!snapshot.SupportsPercentages && PlanReading.OnOffOnly(plan, flag.Provider) is { } flagRefusal)
        {
            return ApiResponse.Problem(400, flagRefusal.Path, flagRefusal.Message);
        }

        var now = clock.GetUtcNow();
        var releaseId = ReleaseNames.NewReleaseId(now);
        var instanceId = ReleaseNames.InstanceId(id, releaseId);
        var flagKey = ReleaseLocks.KeyOf(FlagScope.Of(flag));
        var wanted = new FlagLock(flagKey, id, releaseId, instanceId, now);
        if (await LockAsync(wanted, cancellationToken) is { } holder)
        {
            return ApiResponse.Problem(409, "flag",
                $"release {holder.ReleaseId} of guardian '{holder.GuardianId}' is running on {flag.Provider} flag '{flag.Key}' (instance {holder.InstanceId}); " +
                "one release runs per flag at a time: wait for it to end, or abort it");
        }

        var report = new ReleaseReport(id, releaseId, instanceId, flag, plan, ReleaseStates.Starting, 1, "starting",
            plan.Stages.Select((s, i) => new ReleaseStageReport(i + 1, s.Rollout, "pending", 0, [])).ToList(), snapshot.Summary, now, now);
        try
        {
            await releases.SaveAsync(ReleaseRecords.Of(report), cancellationToken);
            await scheduler.StartAsync(instanceId, new ReleaseRequest(id, releaseId, flag, plan), cancellationToken);
        }
        catch
        {
            // Never half-started: no row and no lock without an instance behind them.
            await releases.DeleteAsync(id, releaseId, CancellationToken.None);
            await releases.UnlockAsync(flagKey, releaseId, CancellationToken.None);
            throw;
        }

        var (payload, statusUri) = CheckStatusJson.Of(checkStatus, instanceId);
        var response = ApiResponse.Json(payload, 202);
        return statusUri is null ? response : response.WithHeader("Location", statusUri);
    }

    /// <summary>
    /// <c>POST /api/guardians/{id}/releases/{releaseId}/approve|pause|resume|abort</c> with optional <c>{"by","reason"}</c>:
    /// delivers the control as a durable external event; 202.
    /// </summary>
    public async Task<ApiResponse> ControlAsync(string id, string releaseId, string action, WebhookRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!ReleaseActions.All.Contains(action))
        {
            return ApiResponse.NotFound("action", $"'{action}' is not a release control ({string.Join(", ", ReleaseActions.All)})");
        }

        string? by = null;
        string? reason = null;
        if (!request.Body.IsEmpty)
        {
            try
            {
                using var document = JsonDocument.Parse(request.Body);
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    return ApiResponse.Problem(400, "$", "send a JSON object: {\"by\":\"alice\",\"reason\":\"why\"}, or nothing");
                }

                foreach (var property in root.EnumerateObject())
                {
                    if (property.Name is not ("by" or "reason"))
                    {
                        return ApiResponse.Problem(400, property.Name, "is not a field of a release control (by, reason)");
                    }

                    if (property.Value.ValueKind != JsonValueKind.String || property.Value.GetString()!.Length > MaxControlText)
                    {
                        return ApiResponse.Problem(400, property.Name, $"must be a string of at most {MaxControlText} characters");
                    }
                }

                by = root.TryGetProperty("by", out var b) ? b.GetString() : null;
                reason = root.TryGetProperty("reason", out var r) ? r.GetString() : null;
            }
            catch (JsonException e)
            {
                return ApiResponse.Problem(400, "$", $"the body is not valid JSON: {e.Message}");
            }
        }

        if (!ReleaseNames.IsReleaseId(releaseId) || await releases.GetAsync(id, releaseId, cancellationToken) is not { } record)
        {
            return ApiResponse.NotFound("releaseId", $"no release '{releaseId}' of guardian '{id}'");
        }

        var instanceId = ReleaseNames.InstanceId(id, releaseId);
        var instance = await scheduler.GetAsync(instanceId, cancellationToken);
        if (instance is not { IsRunning: true })
        {
            return ApiResponse.Problem(409, "releaseId", $"release {releaseId} has ended ({record.State}); it takes no more controls");
        }

        var control = new ReleaseControl(action, by, reason, clock.GetUtcNow());
        await scheduler.RaiseAsync(instanceId, control, cancellationToken);
        return ApiResponse.Json(new { guardian = id, releaseId, instanceId, action, by, reason, accepted = true }, 202);
    }

    /// <summary><c>GET /api/guardians/{id}/releases?pageSize=&amp;continuation=</c>: the guardian's releases, newest first.</summary>
    public async Task<ApiResponse> ListAsync(string id, WebhookRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (pageSize, problem) = QueryPaging.PageSize(request);
        if (problem is not null)
        {
            return problem;
        }

        if (await guardians.FindAsync(id, cancellationToken) is null)
        {
            return ApiResponse.NotFound("id", $"no guardian '{id}'");
        }

        try
        {
            var page = await releases.ListAsync(id, pageSize, QueryPaging.Continuation(request), cancellationToken);
            var items = new JsonArray(page.Items.Select(r => (JsonNode?)JsonNode.Parse(r.ReportJson)).ToArray());
            var body = new JsonObject { ["guardian"] = id, ["releases"] = items, ["continuation"] = page.Continuation };
            return ApiResponse.RawJson(body.ToJsonString());
        }
        catch (InvalidContinuationException e)
        {
            return ApiResponse.Problem(400, e.Field, e.Message);
        }
    }

    /// <summary><c>GET /api/guardians/{id}/releases/{releaseId}</c>: the release with its stages, and its instance's live status.</summary>
    public async Task<ApiResponse> GetAsync(string id, string releaseId, CancellationToken cancellationToken)
    {
        if (!ReleaseNames.IsReleaseId(releaseId) || await releases.GetAsync(id, releaseId, cancellationToken) is not { } record)
        {
            return ApiResponse.NotFound("releaseId", $"no release '{releaseId}' of guardian '{id}'");
        }

        var body = JsonNode.Parse(record.ReportJson)!.AsObject();
        var instance = await scheduler.GetAsync(ReleaseNames.InstanceId(id, releaseId), cancellationToken);
        body["runtimeStatus"] = instance?.RuntimeStatus;
        body["customStatus"] = instance?.Progress is { } progress
            ? JsonSerializer.SerializeToNode(progress, WorkflowJsonContext.Default.WorkflowProgress)
            : null;
        return ApiResponse.RawJson(body.ToJsonString());
    }

    // Takes the flag's lock, or answers the release that holds it. A lock whose instance ended (or crashed before it was
    // created, past the grace) is taken over, conditionally on the version read, so two starts cannot both take it.
    private async Task<FlagLock?> LockAsync(FlagLock wanted, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var taken = await releases.TryLockAsync(wanted, cancellationToken);
            if (taken.Acquired)
            {
                return null;
            }

            var holder = taken.Holder!;
            var instance = await scheduler.GetAsync(holder.InstanceId, cancellationToken);
            var alive = instance?.IsRunning ?? clock.GetUtcNow() - holder.TakenAt < StartGrace;
            if (alive)
            {
                return holder;
            }

            if (await releases.TakeOverAsync(holder, wanted, cancellationToken))
            {
                return null;
            }
        }

        return (await releases.TryLockAsync(wanted, cancellationToken)).Holder;
    }

    private static ApiResponse Invalid(IReadOnlyList<(string Path, string Message)> errors)
    {
        var first = errors[0];
        return errors.Count == 1
            ? ApiResponse.Problem(400, first.Path, first.Message)
            : ApiResponse.Problem(400, first.Path, $"{first.Message}; also {string.Join("; ", errors.Skip(1).Select(e => $"{e.Path}: {e.Message}"))}");
    }
}
