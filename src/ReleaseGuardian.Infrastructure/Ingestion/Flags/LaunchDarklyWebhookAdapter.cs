using System.Text.Json;
using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Core.Flags;

namespace ReleaseGuardian.Infrastructure.Ingestion.Flags;

/// <summary>
/// LaunchDarkly webhooks: the body is an audit-log entry signed with <c>X-LD-Signature</c>
/// (lowercase hex HMAC-SHA256 of the body, no timestamp; replay protection is de-duplication on <c>_id</c>).
/// </summary>
/// <remarks>
/// <para>Each distinct flag resource in <c>accesses[].resource</c> (<c>proj/{p}:env/{e}:flag/{key}</c>, tags after
/// <c>;</c> ignored) becomes one change; the change id is <c>_id</c>, suffixed with <c>:{env}/{key}</c> only when
/// one entry touches several flags or environments. Entries whose <c>kind</c> is not <c>flag</c> are ignored.</para>
/// <para>The current on/off state comes from <c>currentVersion.environments.{env}.on</c> when the entry carries it,
/// else, for a toggle (<c>updateOn</c>/<c>updateOff</c>), from the entry's wording: LaunchDarkly writes
/// <c>* Turned the flag on</c> in <c>description</c> (with <c>titleVerb</c> "updated the flag"), older entries
/// "turned on the flag" in <c>titleVerb</c>/<c>title</c>; else <c>updateOff</c> means off and <c>deleteFlag</c> off;
/// otherwise it is unknown. The previous state comes from <c>previousVersion</c>; where that lacks the environment,
/// a toggle action states it: the flag was the opposite of what the toggle made it, so even the first change seen
/// for a flag can be rolled back.</para>
/// <para>ProviderRefs: <c>action</c> (the LaunchDarkly action, e.g. <c>updateOn</c>) and <c>auditLogId</c>
/// (<c>_id</c>, for <c>GET /api/v2/auditlog/{id}</c>).</para>
/// </remarks>
public sealed partial class LaunchDarklyWebhookAdapter : FlagWebhookAdapter
{
    /// <summary>The provider name in the route.</summary>
    public const string Name = "launchdarkly";

    /// <summary>The signature header.</summary>
    public const string SignatureHeader = "X-LD-Signature";

    /// <inheritdoc />
    public override string Provider => Name;

    /// <inheritdoc />
    public override string CredentialField => SignatureHeader;

    private protected override IngestProblem? Verify(WebhookRequest request, string secret, DateTimeOffset now) =>
        VerifyHexSignature(request, secret);

    private protected override FlagWebhookOutcome Interpret(FlagDelivery delivery)
    {
        var root = delivery.RootObject();
        var kind = PayloadFields.RequireString(root, "kind", "");
        if (kind != "flag")
        {
            return new FlagWebhookOutcome.Ignored($"LaunchDarkly audit entries of kind '{kind}' are not flag changes");
        }

        var id = PayloadFields.RequireString(root, "_id", "");
        var dateMs = PayloadFields.OptionalInt64(root, "date", "") ?? throw PayloadFields.Missing("date");
        var changedAt = PayloadFields.FromUnixMilliseconds(dateMs, "date");
        var accesses = PayloadFields.RequireArray(root, "accesses", "");
        if (accesses.GetArrayLength() == 0)
        {
            throw new MalformedPayloadException("accesses", "must list at least one access");
        }

        var targets = new List<(FlagResource Resource, string Action)>(1);
        var index = 0;
        foreach (var access in accesses.EnumerateArray())
        {
            var path = PayloadFields.Index("accesses", index++);
            if (access.ValueKind != JsonValueKind.Object)
            {
                throw new MalformedPayloadException(path, $"must be an object, not {PayloadFields.Describe(access.ValueKind)}");
            }

            var resourceText = PayloadFields.RequireString(access, "resource", path);
            var action = PayloadFields.OptionalString(access, "action", path) ?? "";
            if (!FlagResource.TryParse(resourceText, out var resource))
            {
                continue;
            }

            if (!targets.Exists(t => t.Resource.Key == resource.Key && t.Resource.Environment == resource.Environment))
            {
                targets.Add((resource, action));
            }
        }

        if (targets.Count == 0)
        {
            throw new MalformedPayloadException("accesses[0].resource", "must look like proj/{project}:env/{environment}:flag/{key}");
        }

        var actor = Actor(root);
        var previousVersion = PayloadFields.OptionalObject(root, "previousVersion", "");
        var currentVersion = PayloadFields.OptionalObject(root, "currentVersion", "");
        var wording = Wording(root);

        var changes = new FlagChange[targets.Count];
        for (var i = 0; i < targets.Count; i++)
        {
            var (resource, action) = targets[i];
            var isToggle = action is "updateOn" or "updateOff";
            var current = VersionOn(currentVersion, resource.Environment, "currentVersion")
                ?? (isToggle ? wording : null)
                ?? (action is "updateOff" or "deleteFlag" ? false : null);
            var previous = VersionOn(previousVersion, resource.Environment, "previousVersion")
                ?? (isToggle && current is { } toggledTo ? !toggledTo : null);

            changes[i] = new FlagChange(
                Name,
                resource.Key,
                resource.Project,
                resource.Environment,
                previous is null ? null : new FlagState(previous),
                new FlagState(current),
                actor,
                changedAt,
                targets.Count == 1 ? id : $"{id}:{resource.Environment}/{resource.Key}",
                delivery.RawPayload)
            {
                ProviderRefs = new Dictionary<string, string>(2) { ["action"] = action, ["auditLogId"] = id },
            };
        }

        return new FlagWebhookOutcome.Accepted(changes, id, TimeFromPayload: true);
    }

    private static string? Actor(JsonElement root)
    {
        if (PayloadFields.OptionalObject(root, "member", "") is { } member)
        {
            var first = PayloadFields.OptionalString(member, "firstName", "member");
            var last = PayloadFields.OptionalString(member, "lastName", "member");
            var email = PayloadFields.OptionalString(member, "email", "member");
            var name = string.Join(' ', new[] { first, last }.Where(s => !string.IsNullOrWhiteSpace(s)));
            return (name.Length, string.IsNullOrWhiteSpace(email)) switch
            {
                (> 0, false) => $"{name} <{email}>",
                (> 0, true) => name,
                (0, false) => email,
                _ => null,
            };
        }

        return PayloadFields.OptionalObject(root, "token", "") is { } token
            ? PayloadFields.OptionalString(token, "name", "token")
            : null;
    }

    /// <summary>"Turned the flag on" / "turned on the flag" / "turned off" in the entry's text, for toggles without versions.</summary>
    private static bool? Wording(JsonElement root)
    {
        foreach (var field in (ReadOnlySpan<string>)["titleVerb", "title", "description", "shortDescription"])
        {
            var text = PayloadFields.OptionalString(root, field, "");
            if (text is null)
            {
                continue;
            }

            var match = TurnedPattern().Match(text);
            if (match.Success)
            {
                return match.Groups["state"].Value.Equals("on", StringComparison.OrdinalIgnoreCase);
            }
        }

        return null;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\bturned\s+(?:the\s+flag\s+)?(?<state>on|off)\b",
        System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex TurnedPattern();

    private static bool? VersionOn(JsonElement? version, string? environment, string path)
    {
        if (version is not { } flag || environment is null ||
            PayloadFields.OptionalObject(flag, "environments", path) is not { } environments)
        {
            return null;
        }

        var environmentsPath = path + ".environments";
        return PayloadFields.OptionalObject(environments, environment, environmentsPath) is { } settings
            ? PayloadFields.OptionalBool(settings, "on", PayloadFields.Path(environmentsPath, environment))
            : null;
    }

    /// <summary>A parsed <c>proj/{p}:env/{e}:flag/{key}</c> resource specifier.</summary>
    private readonly record struct FlagResource(string? Project, string? Environment, string Key)
    {
        public static bool TryParse(string text, out FlagResource resource)
        {
            string? project = null, environment = null, key = null;
            foreach (var segment in text.Split(':'))
            {
                var typeEnd = segment.IndexOf('/', StringComparison.Ordinal);
                if (typeEnd <= 0)
                {
                    continue;
                }

                var value = segment[(typeEnd + 1)..];
                var tags = value.IndexOf(';', StringComparison.Ordinal);
                if (tags >= 0)
                {
                    value = value[..tags];
                }

                switch (segment[..typeEnd])
                {
                    case "proj": project = value; break;
                    case "env": environment = value; break;
                    case "flag": key = value; break;
                }
            }

            if (string.IsNullOrEmpty(key) || key == "*")
            {
                resource = default;
                return false;
            }

            resource = new FlagResource(
                string.IsNullOrEmpty(project) || project == "*" ? null : project,
                string.IsNullOrEmpty(environment) || environment == "*" ? null : environment,
                key);
            return true;
        }
    }
}
