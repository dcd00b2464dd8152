using System.Globalization;
using System.Text.Json;
using ReleaseGuardian.Application.Workflow;
using ReleaseGuardian.Demo.Checkout;
using ReleaseGuardian.Demo.LoadGeneration;

namespace ReleaseGuardian.Demo.Scenario;

/// <summary>How the demo's story went.</summary>
/// <param name="Runs">Every load test with its verdict, in order.</param>
/// <param name="RollbackNotification">The rollback notification as <c>GET /api/notifications</c> lists it, when there was one.</param>
/// <param name="Problems">Every way the story differed from the expected one; empty when it went as expected.</param>
/// <param name="Training">How the baseline training orchestration went, when it was started.</param>
/// <param name="Releases">The progressive demo's releases, in order (empty in the plain demo).</param>
public sealed record DemoOutcome(
    IReadOnlyList<DemoRun> Runs, JsonElement? RollbackNotification, IReadOnlyList<string> Problems, DemoTraining? Training = null,
    IReadOnlyList<DemoRelease>? Releases = null)
{
    /// <summary>True when the story went as expected.</summary>
    public bool Succeeded => Problems.Count == 0;
}

/// <summary>The demo's baseline training, as the BaselineTraining orchestration ran it.</summary>
/// <param name="InstanceId">The training instance (<c>{guardian}:training-...</c>).</param>
/// <param name="RuntimeStatus">How the instance ended (Completed when it ran to its end).</param>
/// <param name="Progress">Each custom status detail the status route showed, in order (<c>training k/N: ...</c>).</param>
/// <param name="Output">The instance's output: every launch with how it ended, and the learned thresholds.</param>
public sealed record DemoTraining(string InstanceId, string RuntimeStatus, IReadOnlyList<string> Progress, JsonElement? Output);

/// <summary>
/// The workshop story against a running Release Guardian host and the checkout service: register a guardian with
/// the built-in load generator as its load-test launcher, train it through the BaselineTraining orchestration
/// (<c>POST /api/guardians/{id}/training</c>: five healthy load tests, each launched, awaited and evaluated by the
/// orchestration, which the demo follows through the status route), turn <c>new-checkout</c> on in the flagd file and send the change
/// event as a CI script would, validate (the guardian says No-Go on error rate and rolls the flag back through
/// the flagd file), and confirm that the service recovered with a final load test that passes.
/// </summary>
public sealed partial class DemoScenario(
    DemoSettings settings, GuardianApiClient guardian, CheckoutService checkout, HttpClient load, BuiltInLoadTests builtIn, IDemoProgress progress)
{
    /// <summary>
    /// With Prometheus, the wait after a load test for the scrapes that cover its end, and the margin each side of the
    /// judged window (Prometheus scrapes once a second, later on a busy machine; rate() needs several samples). The idle
    /// margins add no requests, so counts, error rate and latency are those of the load test.
    /// </summary>
    public static readonly TimeSpan ScrapeSettle = TimeSpan.FromSeconds(3);

    // How long the training waits for one run's result before it launches the run again: the load takes seconds; the
    // rest is headroom for a busy machine.
    private const int TrainingRunTimeoutMinutes = 2;
    private static readonly TimeSpan WorkflowTimeout = TimeSpan.FromSeconds(60);
    private readonly List<DemoRun> _runs = [];
    private readonly List<string> _problems = [];

    /// <summary>The guardian definition the demo registers.</summary>
    public static string GuardianDefinition(DemoSettings settings, Uri notificationHook)
    {
        ArgumentNullException.ThrowIfNull(settings);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("id", settings.GuardianId);
            json.WriteString("displayName", "Checkout service");
            json.WriteString("service", "checkout");
            json.WriteStartObject("flag");
            json.WriteString("provider", "flagd");
            json.WriteString("key", settings.FlagKey);
            json.WriteStartObject("settings");
            json.WriteString("source", settings.FlagFile);
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteStartObject("metrics");
            if (settings.PrometheusUrl is { } prometheus)
            {
                json.WriteString("source", "prometheus");
                json.WriteString("url", prometheus);
            }
            else
            {
                json.WriteString("source", "loadtest");
            }

            json.WriteEndObject();
            // Training launches its load tests through the demo's built-in generator, which posts k6 summaries.
            json.WriteStartObject("loadTest");
            json.WriteString("launcher", "builtin");
            json.WriteString("tool", "k6");
            json.WriteEndObject();
            json.WriteStartObject("training");
            json.WriteNumber("minRuns", settings.TrainingRuns);
            json.WriteNumber("maxRuns", 30);
            json.WriteEndObject();
            json.WriteStartArray("objectives");
            Objective(json, "p95 latency", "latency.p95", "lowerIsBetter", static t =>
            {
                t.WriteString("mode", "static");
                t.WriteNumber("warning", 400);
                t.WriteNumber("failure", 800);
            });
            Objective(json, "error rate", "errors.rate", "lowerIsBetter", static t => t.WriteString("mode", "adaptive"), key: true, minRequests: 100);
            Objective(json, "traffic", "traffic.requests", "higherIsBetter", static t =>
            {
                t.WriteString("mode", "adaptive");
                t.WriteNumber("kw", 1.5);
                t.WriteNumber("kf", 3);
                t.WriteNumber("relFloor", 0.05);
            });
            json.WriteEndArray();
            json.WriteStartObject("policy");
            json.WriteStartArray("rollbackOn");
            json.WriteStringValue("nogo");
            json.WriteEndArray();
            json.WriteStartArray("notify");
            json.WriteStartObject();
            json.WriteString("type", "webhook");
            json.WriteString("url", notificationHook.ToString());
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The flag-change CloudEvent a CI script posts after editing flagd's source.</summary>
    public static byte[] FlagChangedEvent(string flagKey, string changeId, string previousVariant, string currentVariant, DateTimeOffset changedAt)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("specversion", "1.0");
            json.WriteString("id", changeId);
            json.WriteString("source", "/demo/ci/flags");
            json.WriteString("type", "releaseguardian.flag.changed.v1");
            json.WriteString("time", Iso(changedAt));
            json.WriteString("datacontenttype", "application/json");
            json.WriteStartObject("data");
            json.WriteString("provider", "flagd");
            json.WriteString("flagKey", flagKey);
            json.WriteStartObject("previous");
            json.WriteBoolean("enabled", true);
            json.WriteString("variant", previousVariant);
            json.WriteEndObject();
            json.WriteStartObject("current");
            json.WriteBoolean("enabled", true);
            json.WriteString("variant", currentVariant);
            json.WriteEndObject();
            json.WriteString("actor", "release-pipeline@example.org");
            json.WriteString("changedAt", Iso(changedAt));
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>Tells the whole story; problems are collected, not thrown, so the caller can show them all.</summary>
    public async Task<DemoOutcome> RunAsync(CancellationToken cancellationToken)
    {
        await RegisterAsync(cancellationToken);

        progress.Stage($"Train the baseline: {settings.TrainingRuns} load tests with {settings.FlagKey} off, through the BaselineTraining orchestration");
        var training = await TrainAsync(cancellationToken);

        progress.Stage($"Release: turn {settings.FlagKey} on, as a pipeline would");
        await FlagdFlagFile.SetDefaultVariantAsync(settings.FlagFile, settings.FlagKey, "on", cancellationToken);
        var served = await WaitForVariantAsync("on", cancellationToken);
        progress.Note($"edited {Path.GetFileName(settings.FlagFile)}: flags.{settings.FlagKey}.defaultVariant off → on; the service now serves '{served}'");
        var changeId = "change-" + settings.StoragePrefix;
        await guardian.PostCloudEventAsync(FlagChangedEvent(settings.FlagKey, changeId, "off", "on", DateTimeOffset.UtcNow), cancellationToken);
        progress.Note($"sent releaseguardian.flag.changed.v1 '{changeId}' (flagd, off → on) to /api/events");

        progress.Stage("Validate the release under load");
        var validation = await LoadTestAsync("validate-1", "validation", "validation", cancellationToken);
        Expect(validation.Decision == "nogo", $"{validation.RunId}: expected No-Go, the guardian said {validation.Decision} ({validation.Headline})");
        Expect(validation.Headline.Contains("error rate", StringComparison.Ordinal), $"{validation.RunId}: expected the error rate to drive the verdict: {validation.Headline}");
        Expect(validation.Rollback == "rolled-back", $"{validation.RunId}: expected the flag to be rolled back, rollback was {validation.Rollback ?? "not attempted"}");
        var recovered = await WaitForVariantAsync("off", cancellationToken);
        Expect(recovered == "off", $"after the rollback the service still serves '{recovered}'");
        progress.Note($"the guardian rolled {settings.FlagKey} back in the flagd file; the service now serves '{recovered}'");

        progress.Stage("Confirm the service recovered");
        var final = await LoadTestAsync("validate-2", "after rollback", "validation", cancellationToken);
        Expect(final.Decision == "go", $"{final.RunId}: expected Go after the rollback, the guardian said {final.Decision} ({final.Headline})");

        var notifications = await guardian.GetJsonAsync($"api/notifications?guardian={Uri.EscapeDataString(settings.GuardianId)}", cancellationToken);
        JsonElement? rollback = null;
        foreach (var notification in notifications.GetProperty("notifications").EnumerateArray())
        {
            if (notification.GetProperty("kind").GetString() == "rollback")
            {
                rollback = notification.Clone();
            }
        }

        Expect(rollback is not null, "no rollback notification was recorded");
        return new DemoOutcome(_runs, rollback, _problems, training);
    }

    private async Task RegisterAsync(CancellationToken cancellationToken)
    {
        progress.Stage("Register the guardian");
        await guardian.PutGuardianAsync(settings.GuardianId, GuardianDefinition(settings, checkout.NotificationHook), cancellationToken);
        progress.Note($"guardian '{settings.GuardianId}' watches flagd flag '{settings.FlagKey}' ({settings.FlagFile}): p95 latency static 400/800 ms, error rate adaptive (key), traffic adaptive");
        if (settings.PrometheusUrl is not null)
        {
            // Prometheus' increase() counts from a series' first sample: let the checkout's series exist and be scraped first.
            await WarmUpAsync(cancellationToken);
            progress.Note($"signals come from Prometheus at {settings.PrometheusUrl} (metrics.source prometheus), which scrapes {checkout.MetricsUri} every second");
        }
    }

    /// <summary>
    /// Starts the training and follows it through its status URL, showing each new custom status; then shows each
    /// counted run with its verdict (the evaluation the orchestration ran as its sub-orchestration) and what was learned.
    /// </summary>
    private async Task<DemoTraining> TrainAsync(CancellationToken cancellationToken)
    {
        var variant = checkout.Flag.VariantOrDefault;
        var (instanceId, statusUri) = await guardian.StartTrainingAsync(settings.GuardianId, settings.TrainingRuns, TrainingRunTimeoutMinutes, cancellationToken);
        progress.Note(
            $"POST /api/guardians/{settings.GuardianId}/training started {instanceId}: it launches each run through loadTest.launcher " +
            $"'builtin' (the demo's load generator, {settings.Load.TotalRequests} requests at {settings.Load.RequestsPerSecond}/s), " +
            "waits for its result at the k6 webhook, and evaluates it");
        var lines = new List<string>();
        var started = System.Diagnostics.Stopwatch.StartNew();
        var wait = (settings.Load.Duration + WorkflowTimeout) * settings.TrainingRuns;
        var state = await guardian.WaitForStatusAsync(statusUri, s =>
        {
            if (s.Detail is { } detail && (lines.Count == 0 || lines[^1] != detail))
            {
                lines.Add(detail);
            }

            progress.Training(s);
        }, wait, cancellationToken);
        var took = started.Elapsed;
        var training = new DemoTraining(instanceId, state.RuntimeStatus, lines, state.Output);
        if (state.RuntimeStatus != "Completed" || state.Output is not { ValueKind: JsonValueKind.Object } output)
        {
            _problems.Add($"{instanceId}: the training ended {state.RuntimeStatus}: {state.Output?.ToString()}");
            return training;
        }

        var counted = 0;
        foreach (var report in output.GetProperty("runs").EnumerateArray())
        {
            var testId = Text(report, "testId") ?? "";
            if (Text(report, "result") != "counted")
            {
                progress.Note($"{testId}: {Text(report, "result")} ({Text(report, "detail")}); the training launched it again");
                continue;
            }

            counted++;
            var runId = Text(report, "runId") ?? "lt-" + testId;
            if (builtIn.Find(testId) is not { } launched)
            {
                _problems.Add($"{runId}: counted by the training, but the built-in load generator never ran {testId}");
                continue;
            }

            var test = await launched;
            var evaluation = await guardian.WaitForWorkflowAsync(
                WorkflowNames.InstanceId(settings.GuardianId, runId), onChange: null, WorkflowTimeout, cancellationToken);
            var run = Judged(testId, $"training {counted}/{settings.TrainingRuns}", "training", variant, test.Load, evaluation);
            Expect(run.Decision != "nogo", $"{run.RunId}: a training run was judged No-Go ({run.Headline})");
        }

        Expect(Text(output, "status") == "trained", $"{instanceId}: the training ended '{Text(output, "status")}', not trained");
        Expect(counted == settings.TrainingRuns, $"{instanceId}: {counted} of {settings.TrainingRuns} training runs counted");
        progress.Note(string.Create(CultureInfo.InvariantCulture,
            $"{instanceId} {Text(output, "status")}: {counted} of {settings.TrainingRuns} runs counted in {took.TotalSeconds:0.0} s (its output lists every launch and what it learned)"));
        foreach (var objective in output.GetProperty("objectives").EnumerateArray())
        {
            progress.Note(Learned(objective));
        }

        return training;
    }

    private static string Learned(JsonElement objective)
    {
        var name = Text(objective, "name");
        if (!objective.TryGetProperty("trained", out var trained) || trained.ValueKind != JsonValueKind.True)
        {
            return $"{name}: not learned yet (too few eligible runs)";
        }

        static string Number(JsonElement element, string property) =>
            element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Number
                ? value.GetDouble().ToString("0.####", CultureInfo.InvariantCulture)
                : "?";
        var runs = objective.TryGetProperty("runsUsed", out var used) ? used.GetArrayLength() : 0;
        return $"learned {name} ({Text(objective, "signal")}): median {Number(objective, "median")}, spread {Number(objective, "spread")}, " +
               $"warning {Number(objective, "warning")}, failure {Number(objective, "failure")}, from {runs} runs";
    }

    private async Task<DemoRun> LoadTestAsync(string testId, string label, string purpose, CancellationToken cancellationToken)
    {
        var variant = checkout.Flag.VariantOrDefault;
        progress.LoadTestStarted(testId, label, variant, settings.Load);
        var result = await ConstantRateLoad.RunAsync(
            load, checkout.CheckoutUri, settings.Load, new InlineProgress<LoadProgress>(progress.LoadTestProgress), cancellationToken);
        var (windowStart, windowEnd) = (result.Start, result.End);
        if (settings.PrometheusUrl is not null)
        {
            await Task.Delay(ScrapeSettle, cancellationToken);
            (windowStart, windowEnd) = (result.Start - ScrapeSettle, result.End + ScrapeSettle);
        }

        var instanceId = await guardian.PostK6SummaryAsync(
            settings.GuardianId, purpose, testId, windowStart, windowEnd, K6Summary.ToJson(result), cancellationToken);
        var state = await guardian.WaitForWorkflowAsync(instanceId, progress.Evaluating, WorkflowTimeout, cancellationToken);
        return Judged(testId, label, purpose, variant, result, state);
    }

    /// <summary>A load test with the verdict its evaluation's output holds; recorded and shown.</summary>
    private DemoRun Judged(string testId, string label, string purpose, string variant, LoadTestResult result, WorkflowState state)
    {
        DemoRun run;
        if (state.RuntimeStatus == "Completed" && state.Output is { ValueKind: JsonValueKind.Object } output)
        {
            var rollback = output.TryGetProperty("rollback", out var r) && r.ValueKind == JsonValueKind.Object ? r : (JsonElement?)null;
            run = new DemoRun(
                testId, label, purpose, variant, result,
                Text(output, "status") ?? "error",
                Text(output, "decision") ?? "inconclusive",
                output.TryGetProperty("score", out var s) && s.ValueKind == JsonValueKind.Number ? s.GetDouble() : null,
                Text(output, "headline") ?? "",
                rollback is { } rb ? Text(rb, "result") : null,
                rollback is { } rs ? Text(rs, "summary") : null);
        }
        else
        {
            run = new DemoRun(testId, label, purpose, variant, result, "error", "inconclusive", null,
                $"the workflow ended {state.RuntimeStatus}: {state.Output?.ToString()}", null, null);
            _problems.Add($"lt-{testId}: the guardian's workflow ended {state.RuntimeStatus}");
        }

        _runs.Add(run);
        progress.LoadTestJudged(run);
        return run;
    }

    private async Task WarmUpAsync(CancellationToken cancellationToken)
    {
        for (var i = 0; i < 5; i++)
        {
            using var response = await load.PostAsync(checkout.CheckoutUri, new StringContent("{}"), cancellationToken);
        }

        await Task.Delay(ScrapeSettle, cancellationToken);
    }

    private async Task<string> WaitForVariantAsync(string variant, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (checkout.Flag.VariantOrDefault != variant && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, cancellationToken);
        }

        return checkout.Flag.VariantOrDefault;
    }

    private void Expect(bool condition, string problem)
    {
        if (!condition)
        {
            _problems.Add(problem);
        }
    }

    private static void Objective(Utf8JsonWriter json, string name, string signal, string direction, Action<Utf8JsonWriter> thresholds, bool key = false, int? minRequests = null)
    {
        json.WriteStartObject();
        json.WriteString("name", name);
        json.WriteString("signal", signal);
        json.WriteString("direction", direction);
        json.WriteStartObject("thresholds");
        thresholds(json);
        json.WriteEndObject();
        if (key)
        {
            json.WriteBoolean("key", true);
        }

        if (minRequests is { } min)
        {
            json.WriteNumber("minRequests", min);
        }

        json.WriteEndObject();
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    /// <summary>Reports on the caller's thread, in order (<see cref="Progress{T}"/> would post to the thread pool).</summary>
    private sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
