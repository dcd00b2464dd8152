using System.Text;
using System.Text.Json;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Core.Formats;

namespace ReleaseGuardian.Core.Releases;

/// <summary>
/// Reads and writes the release plan JSON of issue 15
/// (<c>{"stages":[{"rollout":10,"hold":"PT10M"},{"rollout":100}],"validate":"loadtest","approval":"auto","requiredPasses":1}</c>).
/// Reading walks the document by hand, like <see cref="GuardianDefinitionJson"/>, so that every problem is reported
/// with the exact path of its field; unknown fields are refused by name, so a misspelt <c>hold</c> is never ignored.
/// </summary>
public static class ReleasePlanJson
{
    private static readonly string[] PlanFields = ["stages", "validate", "approval", "requiredPasses", "approvalTimeout", "variant"];
    private static readonly string[] StageFields = ["rollout", "hold"];

    /// <summary>
    /// Reads a plan and fills in the defaults: validate loadtest, approval auto, requiredPasses 1, approvalTimeout
    /// null (<see cref="ReleasePlan.DefaultApprovalTimeout"/>, 24 h), variant null (the flag's on/true value).
    /// </summary>
    /// <returns>The plan, or every problem found in document order (never throws for any input text).</returns>
    public static ReleasePlanParseResult Parse(string json)
    {
        var input = new JsonInput();
        JsonDocument? document;
        try
        {
            document = input.Open(json);
        }
        catch (ArgumentException)
        {
            // The text cannot be turned into UTF-8 at all (a lone surrogate outside any string escape).
            input.Error(JsonInput.Root, "is not valid text: it contains a lone UTF-16 surrogate");
            document = null;
        }

        using (document)
        {
            if (document is null)
            {
                return Invalid(input, []);
            }

            var root = document.RootElement;
            if (!input.ExpectObject(root, JsonInput.Root, "a JSON object (the release plan)"))
            {
                return Invalid(input, []);
            }

            if (!RefuseUnknown(input, root, "", PlanFields))
            {
                return Invalid(input, []);
            }

            var stages = ReadStages(input, root);
            var validate = Text(input, root, "validate") ?? ReleaseValidations.LoadTest;
            var approval = Text(input, root, "approval") ?? ReleaseApprovals.Auto;
            var requiredPasses = input.Integer(root, "requiredPasses", "");
            var approvalTimeout = Duration(input, root, "approvalTimeout", "");
            var variant = Text(input, root, "variant");

            var plan = new ReleasePlan(
                stages,
                validate,
                approval,
                requiredPasses is null ? 1 : (int)Math.Clamp(requiredPasses.Value, int.MinValue, int.MaxValue),
                approvalTimeout,
                variant);
            var semantic = ReleasePlanValidator.Validate(plan, input.BrokenPaths);
            return input.HasErrors || semantic.Count > 0 ? Invalid(input, semantic) : ReleasePlanParseResult.Valid(plan);
        }
    }

    /// <summary>Writes the plan's JSON (every field, durations in ISO 8601); <see cref="Parse"/> reads it back equal.</summary>
    public static string Serialize(ReleasePlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, plan);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Writes the plan as a JSON object to an open writer (for embedding in larger documents).</summary>
    public static void Write(Utf8JsonWriter writer, ReleasePlan plan)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(plan);
        writer.WriteStartObject();
        writer.WriteStartArray("stages");
        foreach (var stage in plan.Stages)
        {
            writer.WriteStartObject();
            writer.WriteNumber("rollout", stage.Rollout);
            if (stage.Hold is { } hold)
            {
                writer.WriteString("hold", IsoDuration.Format(hold));
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteString("validate", plan.Validate);
        writer.WriteString("approval", plan.Approval);
        writer.WriteNumber("requiredPasses", plan.RequiredPasses);
        if (plan.ApprovalTimeout is { } timeout)
        {
            writer.WriteString("approvalTimeout", IsoDuration.Format(timeout));
        }

        if (plan.Variant is { } variant)
        {
            writer.WriteString("variant", variant);
        }

        writer.WriteEndObject();
    }

    private static ReleasePlanParseResult Invalid(JsonInput input, IReadOnlyList<DefinitionError> semantic) =>
        ReleasePlanParseResult.Invalid(
        [
            .. input.Errors.Select(e => new DefinitionError(e.Path, e.Message)).Concat(semantic)
                .OrderBy(e => e.Path, DefinitionPathOrder.ReleasePlan),
        ]);

    private static List<ReleaseStage> ReadStages(JsonInput input, JsonElement root)
    {
        var stages = new List<ReleaseStage>();
        if (input.Array(root, "stages", "", required: true) is not { } array)
        {
            // One placeholder keeps the count rule quiet: "stages" itself is already reported.
            stages.Add(new ReleaseStage(100));
            return stages;
        }

        var index = 0;
        foreach (var element in array.EnumerateArray())
        {
            var path = JsonInput.Index("stages", index++);
            if (!input.ExpectObject(element, path, "a stage object ({\"rollout\":10,\"hold\":\"PT10M\"})"))
            {
                stages.Add(new ReleaseStage(100, TimeSpan.FromMinutes(1)));
                continue;
            }

            if (!RefuseUnknown(input, element, path, StageFields))
            {
                stages.Add(new ReleaseStage(100, TimeSpan.FromMinutes(1)));
                continue;
            }

            var rolloutPath = JsonInput.Child(path, "rollout");
            var rollout = JsonInput.Property(element, "rollout") is null ? null : input.Integer(element, "rollout", path);
            if (JsonInput.Property(element, "rollout") is null)
            {
                input.Error(rolloutPath, "is required (the share of users on the new value, 1 to 100)");
            }

            var hold = Duration(input, element, "hold", path);
            var broken = JsonInput.IsUnder(JsonInput.Child(path, "hold"), input.BrokenPaths);
            stages.Add(new ReleaseStage(
                rollout is null ? 100 : (int)Math.Clamp(rollout.Value, int.MinValue, int.MaxValue),
                broken ? TimeSpan.FromMinutes(1) : hold));
        }

        return stages;
    }

    // False when a field name cannot be read as text: the object's other fields are then not looked up either
    // (a lookup compares names and would throw on that one).
    private static bool RefuseUnknown(JsonInput input, JsonElement obj, string path, string[] known)
    {
        var what = path.Length == 0 ? "a release plan" : "a stage";
        foreach (var property in obj.EnumerateObject())
        {
            string name;
            try
            {
                name = property.Name;
            }
            catch (InvalidOperationException)
            {
                input.Error(path.Length == 0 ? JsonInput.Root : path, $"has a field name that is not valid Unicode text (a lone UTF-16 surrogate); {what} has only {JsonInput.Choices(known)}");
                return false;
            }

            if (!known.Contains(name, StringComparer.Ordinal))
            {
                input.Error(JsonInput.Child(path, name), $"is not a field of {what} (known: {JsonInput.Choices(known)})");
            }
        }

        return true;
    }

    // A string whose escapes decode to a lone surrogate throws when read; it is reported, not thrown.
    private static string? Text(JsonInput input, JsonElement obj, string name)
    {
        try
        {
            return input.String(obj, name, "");
        }
        catch (InvalidOperationException)
        {
            input.Error(name, "must be valid Unicode text (it contains a lone UTF-16 surrogate)");
            return null;
        }
    }

    private static TimeSpan? Duration(JsonInput input, JsonElement obj, string name, string parentPath)
    {
        var path = JsonInput.Child(parentPath, name);
        string? text;
        try
        {
            text = input.String(obj, name, parentPath);
        }
        catch (InvalidOperationException)
        {
            input.Error(path, "must be an ISO 8601 duration such as PT10M");
            return null;
        }

        if (text is null)
        {
            return null;
        }

        if (IsoDuration.TryParse(text, out var value))
        {
            return value;
        }

        input.Error(path, $"must be an ISO 8601 duration such as PT10M, PT1H30M or P1D (days, hours, minutes, seconds), not '{Clip(text)}'");
        return null;
    }

    private static string Clip(string text)
    {
        var clipped = text.Length > 40 ? text[..40] + "…" : text;
        // Shown text never carries a lone surrogate into a response.
        return string.Concat(clipped.Select(c => char.IsSurrogate(c) || char.IsControl(c) ? '?' : c));
    }
}
