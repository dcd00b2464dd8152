using System.Globalization;
using System.Text.Json;
using System.Xml;
using ReleaseGuardian.Core.Releases;

namespace ReleaseGuardian.Application.Releases;

/// <summary>
/// Reads a release plan and applies the on/off-only rule, for the release API and orchestration. A bridge: the plan's
/// own reader and rules (ReleasePlanJson, ReleasePlanRules in Core) replace this body when they land.
/// </summary>
public static class PlanReading
{
    /// <summary>Reads <paramref name="json"/>; answers the plan or every problem with its JSON path.</summary>
    public static (ReleasePlan? Plan, IReadOnlyList<(string Path, string Message)> Errors) Parse(string json)
    {
        var errors = new List<(string, string)>();
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            return (null, [("$", $"is not valid JSON: {e.Message}")]);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, [("$", "must be a JSON object (the release plan)")]);
            }

            foreach (var property in root.EnumerateObject())
            {
                if (property.Name is not ("stages" or "validate" or "approval" or "requiredPasses" or "approvalTimeout" or "variant"))
                {
                    errors.Add((property.Name, "is not a field of a release plan"));
                }
            }

            var validate = Choice(root, "validate", ReleaseValidations.All, ReleaseValidations.LoadTest, errors);
            var approval = Choice(root, "approval", ReleaseApprovals.All, ReleaseApprovals.Auto, errors);
            var stages = new List<ReleaseStage>();
            if (!root.TryGetProperty("stages", out var array) || array.ValueKind != JsonValueKind.Array || array.GetArrayLength() is < 1 or > 20)
            {
                errors.Add(("stages", "is required: a list of 1 to 20 stages, e.g. [{\"rollout\":10,\"hold\":\"PT10M\"},{\"rollout\":100}]"));
            }
            else
            {
                var index = 0;
                foreach (var element in array.EnumerateArray())
                {
                    var path = $"stages[{index.ToString(CultureInfo.InvariantCulture)}]";
                    if (element.ValueKind != JsonValueKind.Object)
                    {
                        errors.Add((path, "must be a stage object ({\"rollout\":10,\"hold\":\"PT10M\"})"));
                        index++;
                        continue;
                    }

                    var rollout = 0;
                    if (!element.TryGetProperty("rollout", out var r) || r.ValueKind != JsonValueKind.Number || !r.TryGetInt32(out rollout) || rollout is < 1 or > 100)
                    {
                        errors.Add((path + ".rollout", "must be a whole percentage from 1 to 100"));
                    }
                    else if (stages.Count > 0 && rollout <= stages[^1].Rollout)
                    {
                        errors.Add((path + ".rollout", $"must be greater than stages[{index - 1}].rollout ({stages[^1].Rollout}): rollouts increase strictly"));
                    }

                    var hold = Duration(element, "hold", path + ".hold", errors);
                    if (hold is null && validate == ReleaseValidations.Window && !element.TryGetProperty("hold", out _))
                    {
                        errors.Add((path + ".hold", "is required with \"validate\":\"window\" (how long the stage runs before it is judged, e.g. \"PT10M\")"));
                    }

                    stages.Add(new ReleaseStage(rollout, hold));
                    index++;
                }
            }

            var passes = 1;
            if (root.TryGetProperty("requiredPasses", out var p) && (p.ValueKind != JsonValueKind.Number || !p.TryGetInt32(out passes) || passes is < 1 or > 10))
            {
                errors.Add(("requiredPasses", "must be a whole number from 1 to 10"));
            }

            var timeout = Duration(root, "approvalTimeout", "approvalTimeout", errors);
            string? variant = null;
            if (root.TryGetProperty("variant", out var v))
            {
                if (v.ValueKind != JsonValueKind.String || v.GetString() is not { Length: > 0 and <= 200 } text)
                {
                    errors.Add(("variant", "must be a non-empty string of at most 200 characters"));
                }
                else
                {
                    variant = text;
                }
            }

            return errors.Count > 0 ? (null, errors) : (new ReleasePlan(stages, validate, approval, passes, timeout, variant), errors);
        }
    }

    /// <summary>For a provider or flag with on/off only: the problem with a plan of more than one stage (or less than 100%), naming the stage; null when it can run.</summary>
    public static (string Path, string Message)? OnOffOnly(ReleasePlan plan, string provider)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (plan.Stages.Count > 1)
        {
            return ("stages[1]", $"cannot run: this {provider} flag only has on/off, so a plan for it has one stage with rollout 100 (this plan has {plan.Stages.Count} stages)");
        }

        return plan.Stages.Count == 1 && plan.Stages[0].Rollout != 100
            ? ("stages[0].rollout", $"must be 100: this {provider} flag only has on/off and cannot serve {plan.Stages[0].Rollout}% of users")
            : null;
    }

    /// <summary>An ISO 8601 duration, e.g. PT10M.</summary>
    public static string Format(TimeSpan span) => XmlConvert.ToString(span);

    private static string Choice(JsonElement root, string name, IReadOnlyList<string> allowed, string fallback, List<(string, string)> errors)
    {
        if (!root.TryGetProperty(name, out var value))
        {
            return fallback;
        }

        if (value.ValueKind == JsonValueKind.String && allowed.Contains(value.GetString()))
        {
            return value.GetString()!;
        }

        errors.Add((name, $"must be one of {string.Join(", ", allowed)}"));
        return fallback;
    }

    private static TimeSpan? Duration(JsonElement parent, string name, string path, List<(string, string)> errors)
    {
        if (!parent.TryGetProperty(name, out var value))
        {
            return null;
        }

        try
        {
            var span = value.ValueKind == JsonValueKind.String ? XmlConvert.ToTimeSpan(value.GetString()!) : TimeSpan.MinValue;
            if (span > TimeSpan.Zero && span <= TimeSpan.FromDays(30))
            {
                return span;
            }
        }
        catch (FormatException)
        {
        }

        errors.Add((path, "must be an ISO 8601 duration from PT1S to P30D, e.g. \"PT10M\""));
        return null;
    }
}
