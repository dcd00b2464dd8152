using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using ReleaseGuardian.Application.Guardians;
using ReleaseGuardian.Application.Hosting;
using ReleaseGuardian.Application.Storage;
using ReleaseGuardian.Application.Telemetry;
using ReleaseGuardian.Application.Workflow;
using ReleaseGuardian.Core.Chaos;
using ReleaseGuardian.Core.Flags;
using ReleaseGuardian.Core.LoadTests;

namespace ReleaseGuardian.Application.Ingestion;

/// <summary>
/// Every inbound door (flag webhooks, load-test webhooks, CloudEvents over HTTP, queue messages) ends here:
/// authenticate, normalise, record exactly once, and start the release workflow for finished load tests and
/// chaos experiments. Nothing is stored for a rejected delivery, and a duplicate is answered like the first.
/// </summary>
public sealed class IngestionService(
    IEnumerable<IFlagWebhookAdapter> flagAdapters,
    IEnumerable<ILoadTestResultParser> loadTestParsers,
    ICloudEventsReader cloudEvents,
    IDeliveryAuthenticator authenticator,
    IWebhookSecuritySettings security,
    IEventStore events,
    GuardianService guardians,
    IWorkflowScheduler workflows,
    TimeProvider clock,
    Training.ITrainingRunWaiters? trainingRuns = null)
{
    /// <summary>The configuration name of the CloudEvents endpoint's secret: <c>Webhooks:events:Secret</c>.</summary>
    public const string CloudEventsSender = "events";

    private readonly Dictionary<string, IFlagWebhookAdapter> _flagAdapters =
        flagAdapters.ToDictionary(a => a.Provider, StringComparer.OrdinalIgnoreCase);

    private readonly Dictionary<string, ILoadTestResultParser> _loadTestParsers =
        loadTestParsers.ToDictionary(p => p.Tool, StringComparer.OrdinalIgnoreCase);

    /// <summary>Flag providers with a webhook adapter.</summary>
    public IReadOnlyCollection<string> FlagProviders => _flagAdapters.Keys;

    /// <summary>Load-test tools with a result parser.</summary>
    public IReadOnlyCollection<string> LoadTestTools => _loadTestParsers.Keys;

    /// <summary><c>POST /api/webhooks/flags/{provider}</c>.</summary>
    public async Task<IngestResult> IngestFlagWebhookAsync(string provider, WebhookRequest request, CancellationToken cancellationToken)
    {
        using var activity = GuardianTelemetry.Source.StartActivity("ingest flag webhook");
        activity?.SetTag(GuardianTelemetry.FeatureFlag.ProviderName, provider);
        if (!_flagAdapters.TryGetValue(provider, out var adapter))
        {
            return Reject(new IngestProblem(IngestFailure.NotFound, "provider",
                $"unknown flag provider '{provider}'; known: {string.Join(", ", _flagAdapters.Keys.Order())}"));
        }

        var outcome = adapter.Handle(request, security.For(adapter.Provider), clock.GetUtcNow());
        switch (outcome)
        {
            case FlagWebhookOutcome.Rejected rejected:
                return Reject(rejected.Problem);
            case FlagWebhookOutcome.Handshake handshake:
                return new IngestResult.Handshake(handshake.ResponseJson);
            case FlagWebhookOutcome.Ignored ignored:
                return new IngestResult.Ignored(ignored.Reason);
        }

        var accepted = (FlagWebhookOutcome.Accepted)outcome;
        if (accepted.Changes.Select((c, i) => OversizedId(c.ChangeId, accepted.Changes.Count == 1 ? "id" : $"[{i}].id")).FirstOrDefault(p => p is not null) is { } oversized)
        {
            return Reject(oversized);
        }

        if (accepted.Changes.Select((c, i) => UnsafeNames(c, accepted.Changes.Count == 1 ? "" : $"[{i}].")).FirstOrDefault(p => p is not null) is { } unsafeName)
        {
            return Reject(unsafeName);
        }

        var source = "/webhooks/flags/" + adapter.Provider;
        var raw = Encoding.UTF8.GetString(request.Body.Span);
        var results = new List<AcceptedEvent>(accepted.Changes.Count);
        foreach (var change in accepted.Changes)
        {
            activity?.SetTag(GuardianTelemetry.FeatureFlag.Key, change.FlagKey);
            activity?.SetTag(GuardianTelemetry.FeatureFlag.Version, change.ChangeId);
            // Most services do not send the state they replaced; remember the last state we saw so a rollback can restore it.
            var complete = change.Previous is null ? await events.FillPreviousStateAsync(change, cancellationToken) : change;
            var evt = new FlagChangedEvent(source, change.ChangeId, change.ChangedAt, complete) { TimeFromPayload = accepted.TimeFromPayload };
            results.Add(await RecordAsync(evt, raw, guardianId: null, cancellationToken));
        }

        return new IngestResult.Accepted(results);
    }

    /// <summary><c>POST /api/webhooks/loadtests/{tool}</c>.</summary>
    public async Task<IngestResult> IngestLoadTestAsync(string tool, WebhookRequest request, CancellationToken cancellationToken)
    {
        using var activity = GuardianTelemetry.Source.StartActivity("ingest load test");
        activity?.SetTag("releaseguardian.loadtest.tool", tool);
        if (!_loadTestParsers.TryGetValue(tool, out var parser))
        {
            return Reject(new IngestProblem(IngestFailure.NotFound, "tool",
                $"unknown load-test tool '{tool}'; known: {string.Join(", ", _loadTestParsers.Keys.Order())}"));
        }

        if (authenticator.Verify(request, security.For(parser.Tool), parser.Tool) is { } unauthorized)
        {
            return Reject(unauthorized);
        }

        var parsed = parser.Parse(request, clock.GetUtcNow());
        if (parsed is LoadTestParseOutcome.Rejected rejected)
        {
            return Reject(rejected.Problem);
        }

        var (result, endFromPayload) = (LoadTestParseOutcome.Accepted)parsed;
        var evt = new LoadTestFinishedEvent(LoadTestSource(parser.Tool), result.TestId, result.End, result) { TimeFromPayload = endFromPayload };
        return await IngestEventsAsync([evt], Encoding.UTF8.GetString(request.Body.Span), cancellationToken);
    }

    /// <summary><c>POST /api/events</c>: CloudEvents in structured, binary or batch mode.</summary>
    public async Task<IngestResult> IngestCloudEventsAsync(WebhookRequest request, CancellationToken cancellationToken)
    {
        using var activity = GuardianTelemetry.Source.StartActivity("ingest cloudevents");
        var read = cloudEvents.ReadHttp(request);
        if (read is CloudEventsRead.Handshake handshake)
        {
            // Event Grid's validation handshake proves control of the endpoint by echoing the code; it carries no data.
            return new IngestResult.Handshake(handshake.ResponseJson);
        }

        if (authenticator.Verify(request, security.For(CloudEventsSender), CloudEventsSender) is { } unauthorized)
        {
            return Reject(unauthorized);
        }

        return read switch
        {
            CloudEventsRead.Rejected rejected => Reject(rejected.Problem),
            CloudEventsRead.Events ok => await IngestEventsAsync(ok.Items, Encoding.UTF8.GetString(request.Body.Span), cancellationToken),
            _ => throw new UnreachableException(),
        };
    }

    /// <summary>A message from the <c>guardian-events</c> queue (CloudEvents JSON, plain or base64).</summary>
    public async Task<IngestResult> IngestQueueMessageAsync(string messageText, CancellationToken cancellationToken)
    {
        using var activity = GuardianTelemetry.Source.StartActivity("ingest queue message");
        return cloudEvents.ReadQueueMessage(messageText) switch
        {
            CloudEventsRead.Rejected rejected => Reject(rejected.Problem),
            CloudEventsRead.Handshake => new IngestResult.Ignored("an Event Grid validation request has no meaning on the queue"),
            CloudEventsRead.Events ok => await IngestEventsAsync(ok.Items, messageText, cancellationToken),
            _ => throw new UnreachableException(),
        };
    }

    private async Task<IngestResult> IngestEventsAsync(IReadOnlyList<InboundEvent> inbound, string raw, CancellationToken cancellationToken)
    {
        // Resolve every guardian first: an event for an unknown guardian rejects the delivery before anything is stored.
        var resolved = new List<(InboundEvent Event, string? GuardianId)>(inbound.Count);
        for (var i = 0; i < inbound.Count; i++)
        {
            if (OversizedId(inbound[i].Id, inbound.Count == 1 ? "id" : $"[{i}].id") is { } oversized)
            {
                return Reject(oversized);
            }

            var field = inbound.Count == 1 ? "guardian" : $"[{i}].guardian";
            switch (inbound[i])
            {
                case LoadTestFinishedEvent loadTest:
                    var guardianId = await ResolveGuardianAsync(loadTest.Result, cancellationToken);
                    if (guardianId is null)
                    {
                        return Reject(new IngestProblem(IngestFailure.NotFound, field, loadTest.Result.GuardianId is { } id
                            ? $"no guardian '{id}'"
                            : $"no guardian protects service '{loadTest.Result.Service}' with flag '{loadTest.Result.FlagKey}'"));
                    }

                    resolved.Add((loadTest with { Result = loadTest.Result with { GuardianId = guardianId } }, guardianId));
                    break;
                case ChaosFinishedEvent chaos:
                    if (await guardians.FindAsync(chaos.Result.GuardianId, cancellationToken) is null)
                    {
                        return Reject(new IngestProblem(IngestFailure.NotFound, field, $"no guardian '{chaos.Result.GuardianId}'"));
                    }

                    resolved.Add((chaos, chaos.Result.GuardianId));
                    break;
                case FlagChangedEvent flag:
                    if (UnsafeNames(flag.Change, inbound.Count == 1 ? "" : $"[{i}].") is { } unsafeName)
                    {
                        return Reject(unsafeName);
                    }

                    var change = flag.Change.Previous is null ? await events.FillPreviousStateAsync(flag.Change, cancellationToken) : flag.Change;
                    resolved.Add((flag with { Change = change }, null));
                    break;
                default:
                    resolved.Add((inbound[i], null));
                    break;
            }
        }

        var accepted = new List<AcceptedEvent>(resolved.Count);
        foreach (var (evt, guardianId) in resolved)
        {
            accepted.Add(await RecordAsync(evt, raw, guardianId, cancellationToken));
        }

        return new IngestResult.Accepted(accepted);
    }

    private async Task<AcceptedEvent> RecordAsync(InboundEvent evt, string raw, string? guardianId, CancellationToken cancellationToken)
    {
        var recorded = await events.RecordAsync(evt, raw, cancellationToken);
        (recorded.IsDuplicate ? GuardianTelemetry.EventsDuplicate : GuardianTelemetry.EventsAccepted)
            .Add(1, new KeyValuePair<string, object?>("releaseguardian.event.type", evt.Type));

        // Scheduling is idempotent per instance id, so a duplicate re-schedules harmlessly; that also repairs a
        // crash between recording and scheduling on the first delivery.
        var request = EvaluationFor(evt);
        string? instanceId = null;
        if (request is not null && evt is LoadTestFinishedEvent { Result: var result } && trainingRuns is not null
            && Training.TrainingRuns.InstanceOf(request.GuardianId, result.TestId) is { } training
            && await trainingRuns.TryRaiseAsync(training, new Training.LoadTestFinishedNotice(result.TestId, request), cancellationToken))
        {
            // A training instance launched this test and waits for it; it evaluates the run itself, once.
            instanceId = training;
        }
        else if (request is not null)
        {
            instanceId = (await workflows.ScheduleAsync(request, cancellationToken)).InstanceId;
        }

        return new AcceptedEvent(evt.Type, evt.Source, evt.Id, guardianId ?? request?.GuardianId, instanceId);
    }

    private async Task<string?> ResolveGuardianAsync(LoadTestFinished result, CancellationToken cancellationToken)
    {
        if (result.GuardianId is { } id)
        {
            return await guardians.FindAsync(id, cancellationToken) is null ? null : id;
        }

        return result.Service is null ? null : (await guardians.FindByServiceAndFlagAsync(result.Service, result.FlagKey, cancellationToken))?.Id;
    }

    /// <summary>The source of a load-test result of <paramref name="tool"/>: the same for its webhook and for a polled run, so the two de-duplicate.</summary>
    public static string LoadTestSource(string tool) => "/webhooks/loadtests/" + tool;

    /// <summary>The longest event id accepted: ids are keys and audit references, and storage refuses huge values.</summary>
    public const int MaxIdLength = 1024;

    private static IngestProblem? OversizedId(string id, string field) => id.Length <= MaxIdLength ? null
        : new IngestProblem(IngestFailure.Malformed, field, $"is {id.Length:N0} characters long; an event id may have at most {MaxIdLength:N0}");

    // A flag key, project or environment becomes a URL path segment when the change is rolled back; one that cannot
    // stay one segment (.., /, %, ...) is refused here, before it is stored, rather than at rollback time.
    private static IngestProblem? UnsafeNames(FlagChange change, string prefix)
    {
        foreach (var (field, value) in new[] { ("flagKey", change.FlagKey), ("project", change.Project), ("environment", change.Environment) })
        {
            if (FlagNames.ProblemWith(value) is { } problem)
            {
                return IngestProblem.Malformed(prefix + field, problem);
            }
        }

        return null;
    }

    /// <summary>The evaluation a recorded event asks for (load tests of a known guardian and chaos experiments), or null.</summary>
    internal static EvaluationRequest? EvaluationFor(InboundEvent evt) => evt switch
    {
        LoadTestFinishedEvent { Result: var r } when r.GuardianId is not null => new EvaluationRequest(
            r.GuardianId, RunIds.ForLoadTest(r.TestId), r.Purpose, r.Start, r.End,
            EvaluationTriggers.LoadTest, evt.DedupKey, r.Signals),
        ChaosFinishedEvent { Result: ChaosExperimentFinished c } => new EvaluationRequest(
            c.GuardianId, RunIds.ForChaos(c.Experiment, evt.Id), RunPurpose.Validation, c.Start, c.End,
            EvaluationTriggers.Chaos, evt.DedupKey),
        _ => null,
    };

    private static IngestResult.Rejected Reject(IngestProblem problem)
    {
        GuardianTelemetry.EventsRejected.Add(1, new KeyValuePair<string, object?>("releaseguardian.reject.reason", problem.Kind.ToString()));
        return new IngestResult.Rejected(problem);
    }
}

/// <summary>Run ids derived from what started the run: stable, so a duplicate event maps to the same run and instance.</summary>
public static class RunIds
{
    /// <summary>The run of a load test: <c>lt-{testId}</c>, or <c>lt-{hash}</c> when the test id is unsafe in keys and URLs.</summary>
    public static string ForLoadTest(string testId) => "lt-" + Safe(testId);

    /// <summary>The run of a chaos experiment's event.</summary>
    public static string ForChaos(string experiment, string eventId) => "chaos-" + Safe(experiment + "-" + eventId);

    /// <summary>A manual evaluation of a window.</summary>
    public static string ForManual(DateTimeOffset start, DateTimeOffset end) =>
        $"manual-{start.UtcDateTime:yyyyMMddTHHmmss}-{end.UtcDateTime:yyyyMMddTHHmmss}";

    private static string Safe(string text)
    {
        var safe = text.Length <= 64 && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
        return safe ? text : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..24];
    }
}
