using System.Globalization;
using System.Text.RegularExpressions;
using ReleaseGuardian.Core.Flags;
using ReleaseGuardian.Core.Formats;
using ReleaseGuardian.Core.Signals;

namespace ReleaseGuardian.Core.Definitions;

/// <summary>
/// Checks a guardian definition against the rules of DESIGN.md §3 and §6. The JSON reader applies the same
/// rules, with the same paths, so a definition built in code (or stored and reloaded) is held to the same standard.
/// </summary>
public static partial class GuardianDefinitionValidator
{
    /// <summary>The pattern a guardian id must match.</summary>
    public const string IdPattern = "^[a-z0-9][a-z0-9-]{0,62}$";

    /// <summary>Every problem with the definition, in document order; empty when it is valid.</summary>
    public static IReadOnlyList<DefinitionError> Validate(GuardianDefinition definition) =>
        [.. Validate(definition, new HashSet<string>(StringComparer.Ordinal)).OrderBy(e => e.Path, DefinitionPathOrder.Instance)];

    /// <summary>True when the id matches <see cref="IdPattern"/>.</summary>
    public static bool IsValidId(string? id) => id is not null && IdRegex().IsMatch(id);

    /// <summary>
    /// Validates, leaving out problems at or under <paramref name="broken"/> paths (fields the reader could
    /// not read, whose placeholder values would otherwise produce misleading follow-on errors).
    /// </summary>
    internal static List<DefinitionError> Validate(GuardianDefinition definition, IReadOnlySet<string> broken)
    {
        var errors = new Checks(broken);
        if (definition is null)
        {
            errors.Add(JsonInput.Root, "is required");
            return errors.List;
        }

        if (!IsValidId(definition.Id))
        {
            errors.Add("id", $"must match {IdPattern}");
        }

        if (string.IsNullOrWhiteSpace(definition.DisplayName))
        {
            errors.Add("displayName", "must not be empty");
        }

        if (string.IsNullOrWhiteSpace(definition.Service))
        {
            errors.Add("service", "must not be empty");
        }

        if (definition.Flag is { } flag)
        {
            if (string.IsNullOrWhiteSpace(flag.Provider))
            {
                errors.Add("flag.provider", "must not be empty");
            }

            if (string.IsNullOrWhiteSpace(flag.Key))
            {
                errors.Add("flag.key", "must not be empty");
            }

            foreach (var (field, value) in new[] { ("flag.key", flag.Key), ("flag.project", flag.Project), ("flag.environment", flag.Environment) })
            {
                if (FlagNames.ProblemWith(value) is { } problem)
                {
                    errors.Add(field, problem);
                }
            }

            foreach (var (name, value) in flag.Settings)
            {
                if (Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.UserInfo.Length > 0)
                {
                    errors.Add($"flag.settings.{name}", CredentialsInUrl);
                }
            }
        }

        CheckMetrics(definition.Metrics, errors);
        CheckTraining(definition.Training, errors);
        CheckLoadTest(definition.LoadTest, errors);
        CheckObjectives(definition.Objectives, errors);
        CheckPolicy(definition.Policy, errors);
        return errors.List;
    }

    private static void CheckMetrics(MetricsSourceSpec? metrics, Checks errors)
    {
        if (metrics is null)
        {
            errors.Add("metrics", "is required");
            return;
        }

        switch (metrics.Source)
        {
            case MetricsSources.LoadTest:
                break;
            case MetricsSources.Prometheus:
                if (string.IsNullOrWhiteSpace(metrics.Url))
                {
                    errors.Add("metrics.url", "is required for source prometheus");
                }
                else if (!IsHttpUrl(metrics.Url))
                {
                    errors.Add("metrics.url", "must be an absolute http or https URL");
                }
                else if (HasCredentials(metrics.Url))
                {
                    errors.Add("metrics.url", CredentialsInUrl);
                }

                break;
            case MetricsSources.AzureMonitor:
                if (string.IsNullOrWhiteSpace(metrics.WorkspaceId))
                {
                    errors.Add("metrics.workspaceId", "is required for source azuremonitor");
                }
                else if (FlagNames.ProblemWith(metrics.WorkspaceId.Trim()) is { } problem)
                {
                    errors.Add("metrics.workspaceId", problem);
                }

                if (string.IsNullOrWhiteSpace(metrics.Table))
                {
                    errors.Add("metrics.table", "is required for source azuremonitor (AppRequests or requests)");
                }
                else if (metrics.Table is not ("AppRequests" or "requests"))
                {
                    errors.Add("metrics.table", $"must be AppRequests or requests, not '{metrics.Table}'");
                }

                break;
            default:
                errors.Add("metrics.source", $"must be loadtest, prometheus or azuremonitor, not '{metrics.Source}'");
                break;
        }

        if (metrics.TimeoutSeconds is { } timeout && !(timeout > 0 && double.IsFinite(timeout)))
        {
            errors.Add("metrics.timeoutSeconds", "must be > 0");
        }
    }

    private static void CheckTraining(TrainingSettings? training, Checks errors)
    {
        if (training is null)
        {
            errors.Add("training", "is required");
            return;
        }

        if (training.MinRuns < 1)
        {
            errors.Add("training.minRuns", "must be >= 1");
        }

        if (training.MaxRuns < training.MinRuns)
        {
            errors.Add("training.maxRuns", $"must be >= minRuns ({Invariant(training.MinRuns)})", "training.minRuns");
        }
    }

    private static void CheckObjectives(IReadOnlyList<Objective>? objectives, Checks errors)
    {
        if (objectives is null || objectives.Count == 0)
        {
            errors.Add("objectives", "must list at least one objective");
            return;
        }

        var firstByName = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < objectives.Count; i++)
        {
            var path = $"objectives[{Invariant(i)}]";
            var objective = objectives[i];
            if (objective is null)
            {
                errors.Add(path, "must be an objective");
                continue;
            }

            if (string.IsNullOrWhiteSpace(objective.Name))
            {
                errors.Add($"{path}.name", "must not be empty");
            }
            else if (!errors.IsBroken($"{path}.name"))
            {
                if (firstByName.TryGetValue(objective.Name, out var first))
                {
                    errors.Add($"{path}.name", $"duplicate objective name '{objective.Name}' (also objectives[{Invariant(first)}])");
                }
                else
                {
                    firstByName[objective.Name] = i;
                }
            }

            if (string.IsNullOrWhiteSpace(objective.Signal))
            {
                errors.Add($"{path}.signal", "must not be empty");
            }

            if (!Enum.IsDefined(objective.Direction))
            {
                errors.Add($"{path}.direction", "must be lowerIsBetter or higherIsBetter");
            }

            CheckThresholds(objective, path, errors);

            if (!(objective.Weight > 0 && double.IsFinite(objective.Weight)))
            {
                errors.Add($"{path}.weight", "must be > 0");
            }

            if (objective.MinRequests is < 0)
            {
                errors.Add($"{path}.minRequests", "must be >= 0");
            }

            if (!Enum.IsDefined(objective.Statistic))
            {
                errors.Add($"{path}.statistic", "must be value or wilson");
            }
            else if (objective.Statistic == ObjectiveStatistic.Wilson && objective.Signal != SignalNames.ErrorsRate)
            {
                errors.Add($"{path}.statistic", $"wilson applies only to {SignalNames.ErrorsRate}, not {objective.Signal}", $"{path}.signal");
            }
        }
    }

    private static void CheckThresholds(Objective objective, string objectivePath, Checks errors)
    {
        var path = $"{objectivePath}.thresholds";
        var t = objective.Thresholds;
        if (t is null)
        {
            errors.Add(path, "is required");
            return;
        }

        var modePath = $"{path}.mode";
        if (!Enum.IsDefined(t.Mode))
        {
            errors.Add(modePath, "must be static, adaptive or none");
            return;
        }

        var mode = DefinitionNames.Of(t.Mode);
        if (t.Mode != ThresholdMode.Static)
        {
            if (t.Warning is not null)
            {
                errors.Add($"{path}.warning", $"applies only to mode static, not {mode}", modePath);
            }

            if (t.Failure is not null)
            {
                errors.Add($"{path}.failure", $"applies only to mode static, not {mode}", modePath);
            }
        }

        if (t.Mode != ThresholdMode.Adaptive)
        {
            foreach (var (name, value) in new[] { ("kw", t.Kw), ("kf", t.Kf), ("relFloor", t.RelFloor), ("absFloor", t.AbsFloor) })
            {
                if (value is not null)
                {
                    errors.Add($"{path}.{name}", $"applies only to mode adaptive, not {mode}", modePath);
                }
            }
        }

        if (t.Mode == ThresholdMode.Static)
        {
            if (t.Warning is null && t.Failure is null)
            {
                errors.Add(path, "static thresholds need a warning and/or a failure value", $"{path}.warning", $"{path}.failure");
            }

            var finite = true;
            foreach (var (name, value) in new[] { ("warning", t.Warning), ("failure", t.Failure) })
            {
                if (value is { } v && !double.IsFinite(v))
                {
                    errors.Add($"{path}.{name}", "must be a finite number");
                    finite = false;
                }
            }

            if (finite && t.Warning is { } warning && t.Failure is { } failure && Enum.IsDefined(objective.Direction))
            {
                var direction = $"{objectivePath}.direction";
                if (objective.Direction == Direction.LowerIsBetter && !(failure > warning))
                {
                    errors.Add($"{path}.failure", "must be > warning for lowerIsBetter", $"{path}.warning", direction);
                }
                else if (objective.Direction == Direction.HigherIsBetter && !(failure < warning))
                {
                    errors.Add($"{path}.failure", "must be < warning for higherIsBetter", $"{path}.warning", direction);
                }
            }
        }

        if (t.Mode == ThresholdMode.Adaptive)
        {
            if (t.Kw is { } kw && !(kw > 0 && double.IsFinite(kw)))
            {
                errors.Add($"{path}.kw", "must be > 0");
            }

            var effectiveKw = t.Kw ?? ThresholdSpec.DefaultKw;
            if (t.Kf is { } kf && !(kf > effectiveKw && double.IsFinite(kf)))
            {
                errors.Add($"{path}.kf", $"must be > kw ({Invariant(effectiveKw)})", $"{path}.kw");
            }
            else if (t.Kf is null && t.Kw is { } onlyKw && !(ThresholdSpec.DefaultKf > onlyKw))
            {
                errors.Add($"{path}.kw", $"must be < kf ({Invariant(ThresholdSpec.DefaultKf)})");
            }

            if (t.RelFloor is { } relFloor && !(relFloor >= 0 && double.IsFinite(relFloor)))
            {
                errors.Add($"{path}.relFloor", "must be >= 0");
            }

            if (t.AbsFloor is { } absFloor && !(absFloor >= 0 && double.IsFinite(absFloor)))
            {
                errors.Add($"{path}.absFloor", "must be >= 0");
            }
        }
    }

    private static void CheckPolicy(GuardianPolicy? policy, Checks errors)
    {
        if (policy is null)
        {
            errors.Add("policy", "is required");
            return;
        }

        if (policy.RollbackOn is null)
        {
            errors.Add("policy.rollbackOn", "is required");
        }
        else
        {
            for (var i = 0; i < policy.RollbackOn.Count; i++)
            {
                if (policy.RollbackOn[i] is not (Decision.NoGo or Decision.Inconclusive))
                {
                    errors.Add($"policy.rollbackOn[{Invariant(i)}]", "must be nogo or inconclusive");
                }
            }
        }

        if (policy.Notify is null)
        {
            errors.Add("policy.notify", "is required");
            return;
        }

        string[] types = [NotifyTargetTypes.Webhook, NotifyTargetTypes.Slack, NotifyTargetTypes.Teams, NotifyTargetTypes.CloudEvents];
        for (var i = 0; i < policy.Notify.Count; i++)
        {
            var path = $"policy.notify[{Invariant(i)}]";
            var target = policy.Notify[i];
            if (target is null)
            {
                errors.Add(path, "must be a notification target");
                continue;
            }

            if (string.IsNullOrWhiteSpace(target.Type))
            {
                errors.Add($"{path}.type", $"is required ({JsonInput.Choices(types)})");
            }
            else if (!types.Contains(target.Type, StringComparer.Ordinal))
            {
                errors.Add($"{path}.type", $"must be {JsonInput.Choices(types)}, not '{target.Type}'");
            }

            if (string.IsNullOrWhiteSpace(target.Url))
            {
                errors.Add($"{path}.url", "is required");
            }
            else if (!IsHttpUrl(target.Url))
            {
                errors.Add($"{path}.url", "must be an absolute http or https URL");
            }
            else if (HasCredentials(target.Url))
            {
                errors.Add($"{path}.url", CredentialsInUrl);
            }
        }
    }

    private const string CredentialsInUrl =
        "must not carry user:password@ credentials; credentials for outbound calls come from operator configuration";

    private static bool HasCredentials(string url) => Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.UserInfo.Length > 0;

    // A load-test tool name is the segment of its webhook route: k6, jmeter, locust, artillery, azureloadtesting.
    [GeneratedRegex(@"^[a-z0-9][a-z0-9-]{0,31}\z", RegexOptions.CultureInvariant)]
    private static partial Regex ToolRegex();

    [GeneratedRegex(@"^[a-z0-9][a-z0-9-_]{0,127}\z", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex AzureTestIdRegex();

    private static void CheckLoadTest(LoadTestSpec? loadTest, Checks errors)
    {
        if (loadTest is null)
        {
            return;
        }

        switch (loadTest.Launcher)
        {
            case LoadTestLaunchers.Http:
                if (string.IsNullOrWhiteSpace(loadTest.Url))
                {
                    errors.Add("loadTest.url", "is required for launcher http");
                }
                else if (!IsHttpUrl(loadTest.Url))
                {
                    errors.Add("loadTest.url", "must be an absolute http or https URL");
                }

                if (string.IsNullOrWhiteSpace(loadTest.Tool))
                {
                    errors.Add("loadTest.tool", "is required for launcher http (the tool whose webhook receives the result, e.g. k6)");
                }
                else if (!ToolRegex().IsMatch(loadTest.Tool))
                {
                    errors.Add("loadTest.tool", "must be a load-test tool name such as k6, jmeter, locust or artillery");
                }

                break;
            case LoadTestLaunchers.AzureLoadTesting:
                if (string.IsNullOrWhiteSpace(loadTest.Endpoint))
                {
                    errors.Add("loadTest.endpoint", "is required for launcher azureloadtesting");
                }
                else if (AzureLoadTestingEndpoints.Parse(loadTest.Endpoint) is null)
                {
                    // The launcher's managed-identity token goes there: only Azure Load Testing's own hosts qualify.
                    errors.Add("loadTest.endpoint", "must be https://{resource-id}.{region}.cnt-prod.loadtesting.azure.com (the Azure Load Testing data-plane endpoint; its managed-identity token goes nowhere else)");
                }

                if (string.IsNullOrWhiteSpace(loadTest.TestId))
                {
                    errors.Add("loadTest.testId", "is required for launcher azureloadtesting");
                }
                else if (!AzureTestIdRegex().IsMatch(loadTest.TestId))
                {
                    errors.Add("loadTest.testId", "must be an Azure Load Testing test id (letters, digits, '-' and '_', at most 128)");
                }

                break;
            case LoadTestLaunchers.BuiltIn:
                break;
            default:
                errors.Add("loadTest.launcher", $"must be one of {JsonInput.Choices(LoadTestLaunchers.All)}");
                break;
        }
    }

    private static bool IsHttpUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    private static string Invariant(double value) => value.ToString(CultureInfo.InvariantCulture);

    // \z rather than $: $ would also accept a trailing newline.
    [GeneratedRegex(@"^[a-z0-9][a-z0-9-]{0,62}\z", RegexOptions.CultureInvariant)]
    private static partial Regex IdRegex();

    /// <summary>Collects problems, dropping those at or under a broken path or depending on one.</summary>
    private sealed class Checks(IReadOnlySet<string> broken)
    {
        public List<DefinitionError> List { get; } = [];

        public bool IsBroken(string path) => JsonInput.IsUnder(path, broken);

        public void Add(string path, string message, params string[] dependsOn)
        {
            if (IsBroken(path) || dependsOn.Any(IsBroken))
            {
                return;
            }

            List.Add(new DefinitionError(path, message));
        }
    }
}
