using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using ReleaseGuardian.Application.Ingestion;
using static ReleaseGuardian.Infrastructure.Tests.Ingestion.Flags.FlagDeliveries;

namespace ReleaseGuardian.Infrastructure.Tests.Ingestion.Flags;

/// <summary>
/// Hostile input: whatever arrives, an adapter answers with an outcome (never an exception), and nothing
/// unsigned is ever accepted.
/// </summary>
public sealed class FlagWebhookAdapterPropertyTests
{
    private static readonly WebhookSecurity Configured = new(Secret);

    // Field names and values the adapters look for, so generated documents reach past the first check.
    private static readonly string[] Names =
    [
        "kind", "_id", "date", "accesses", "action", "resource", "member", "email", "firstName", "currentVersion", "previousVersion",
        "environments", "on", "type", "id", "featureName", "createdAt", "createdBy", "project", "environment", "data", "preData",
        "event_type", "new_state", "previous_state", "enabled", "feature", "name", "timestamp", "identity", "feature_state_value",
        "changeDetails", "settingKey", "event", "details", "flags", "updated", "added", "deleted", "old_value", "new_value", "disable",
        "defaultRule", "variation", "object", "previous_attributes", "defaultValue", "user", "changeNumber", "time", "environmentName",
        "definition", "previous", "link", "eventType", "key", "label", "etag", "eventTime", "validationCode", "topic", "subject",
        "current", "blocks", "text", "content", "titleVerb", "description", "environmentId", "workspaceId", "features",
    ];

    private static readonly string[] Strings =
    [
        "flag", "feature-environment-enabled", "feature-strategy-update", "FLAG_UPDATED", "FLAG_DELETED", "feature.updated", "split",
        "updateOn", "deleteFlag", "proj/p:env/e:flag/k", "proj/*:env/*:flag/*", "flag/", "2025-11-25T10:00:00Z", "turned on",
        "Microsoft.AppConfiguration.KeyValueModified", "Microsoft.AppConfiguration.KeyValueDeleted", ".appconfig.featureflag/x",
        ".appconfig.featureflag/", "Microsoft.EventGrid.SubscriptionValidationEvent", "k: false \u2794 true", "{\"killed\":true}",
        "{", "https://x.azconfig.io/kv/a", "https://app.split.io/ws/", "", " ", "\u0000", "\ud83d\ude00",
        "Split", "SPLIT", "updateOff", "* Turned the flag on", "turned off the flag", "audit_log",
    ];

    private static readonly Gen<string> Scalar = Gen.OneOf(
        Gen.Const("null"),
        Gen.Bool.Select(b => b ? "true" : "false"),
        Gen.Long.Select(l => l.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        Gen.Double.Select(d => double.IsFinite(d) ? d.ToString("R", System.Globalization.CultureInfo.InvariantCulture) : "1e308"),
        Gen.OneOfConst(Strings).Select(Quote),
        Gen.String.Select(Quote));

    private static readonly Gen<string> Json = JsonValue(3);

    private static Gen<string> JsonValue(int depth)
    {
        if (depth == 0)
        {
            return Scalar;
        }

        var inner = JsonValue(depth - 1);
        var name = Gen.Frequency((4, Gen.OneOfConst(Names)), (1, Gen.String));
        var member = Gen.Select(name, inner, (n, v) => Quote(n) + ":" + v);
        return Gen.Frequency(
            (2, Scalar),
            (3, member.Array[0, 6].Select(m => "{" + string.Join(',', m) + "}")),
            (1, inner.Array[0, 4].Select(a => "[" + string.Join(',', a) + "]")));
    }

    private static string Quote(string s) => System.Text.Json.JsonSerializer.Serialize(s, FlagTestJsonContext.Default.String);

    private static readonly Gen<(string Provider, byte[] Body)> SampleMutations =
        Gen.Select(Gen.OneOfConst(SampleFiles.Keys.ToArray()), Gen.Int[0, int.MaxValue], JsonValue(2), Gen.Bool)
           .Select((provider, slot, replacement, remove) => (provider, Mutate(Sample(provider), slot, replacement, remove)));

    private static readonly Gen<string> ProviderGen = Gen.OneOfConst(SampleFiles.Keys.ToArray());

    [Fact]
    public void Arbitrary_bytes_never_throw_and_are_never_accepted_unless_signed()
    {
        Gen.Select(ProviderGen, Gen.Byte.Array[0, 300], Gen.String).Sample((provider, body, forged) =>
        {
            var adapter = Adapter(provider);
            AssertNotAcceptedUnsigned(adapter, body, forged);
            _ = adapter.Handle(Signed(provider, body), Configured, Now);
        }, iter: 2000);
    }

    [Fact]
    public void Arbitrary_JSON_never_throws_and_is_never_accepted_unless_signed()
    {
        Gen.Select(ProviderGen, Json, Gen.String).Sample((provider, json, forged) =>
        {
            var adapter = Adapter(provider);
            var body = Encoding.UTF8.GetBytes(json);
            AssertNotAcceptedUnsigned(adapter, body, forged);
            AssertWellFormedOutcome(adapter.Handle(Signed(provider, body), Configured, Now));
            AssertWellFormedOutcome(adapter.Handle(Signed(provider, Encoding.UTF8.GetBytes("[" + json + "]")), Configured, Now));
        }, iter: 3000);
    }

    [Fact]
    public void Mutated_sample_payloads_never_throw_and_are_never_accepted_unless_signed()
    {
        var accepted = 0;
        var malformed = 0;
        SampleMutations.Sample(sample =>
        {
            var adapter = Adapter(sample.Provider);
            AssertNotAcceptedUnsigned(adapter, sample.Body, "sha256=00");
            var outcome = adapter.Handle(Signed(sample.Provider, sample.Body), Configured, Now);
            AssertWellFormedOutcome(outcome);
            _ = outcome switch
            {
                FlagWebhookOutcome.Accepted => Interlocked.Increment(ref accepted),
                FlagWebhookOutcome.Rejected => Interlocked.Increment(ref malformed),
                _ => 0,
            };
        }, iter: 3000);

        // The mutations must reach past the first checks, or the property says little.
        Assert.True(accepted > 100, $"only {accepted} mutated samples were accepted");
        Assert.True(malformed > 100, $"only {malformed} mutated samples were rejected as malformed");
    }

    private static void AssertNotAcceptedUnsigned(ReleaseGuardian.Infrastructure.Ingestion.Flags.FlagWebhookAdapter adapter, byte[] body, string forged)
    {
        var missing = adapter.Handle(Unsigned(body), Configured, Now);
        Assert.Equal(401, Assert.IsType<FlagWebhookOutcome.Rejected>(missing).Problem.StatusCode);

        var headers = new Dictionary<string, string>
        {
            [adapter.CredentialField] = forged,
            ["X-ConfigCat-Webhook-ID"] = "id",
            ["X-ConfigCat-Webhook-Timestamp"] = Now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        var wrong = adapter.Handle(Unsigned(body, headers, new Dictionary<string, string> { [adapter.CredentialField] = forged }), Configured, Now);
        Assert.Equal(401, Assert.IsType<FlagWebhookOutcome.Rejected>(wrong).Problem.StatusCode);

        var none = adapter.Handle(Signed(adapter.Provider, body), WebhookSecurity.None, Now);
        Assert.Equal(401, Assert.IsType<FlagWebhookOutcome.Rejected>(none).Problem.StatusCode);
    }

    private static void AssertWellFormedOutcome(FlagWebhookOutcome outcome)
    {
        switch (outcome)
        {
            case FlagWebhookOutcome.Accepted accepted:
                Assert.NotEmpty(accepted.Changes);
                Assert.False(string.IsNullOrEmpty(accepted.DeliveryId));
                Assert.All(accepted.Changes, c => Assert.False(string.IsNullOrEmpty(c.FlagKey) || string.IsNullOrEmpty(c.ChangeId)));
                Assert.Equal(accepted.Changes.Count, accepted.Changes.Select(c => c.ChangeId).Distinct().Count());
                break;
            case FlagWebhookOutcome.Rejected rejected:
                Assert.Equal(400, rejected.Problem.StatusCode);
                Assert.False(string.IsNullOrEmpty(rejected.Problem.Field));
                break;
        }
    }

    /// <summary>The real deliveries whose parsing issue 14 changed, mutated one node at a time.</summary>
    private static readonly (string Provider, string Service, string File)[] RealSamples =
    [
        ("split", "split", "sentry-update-event.json"),
        ("launchdarkly", "launchdarkly", "sentry-update-turned-on.json"),
        ("growthbook", "growthbook", "raw-feature-updated-production-on.json"),
        ("growthbook", "growthbook", "json-feature-updated-production-on.json"),
    ];

    [Fact]
    public void Mutated_real_deliveries_never_throw_and_every_refusal_is_a_400_naming_a_field()
    {
        var accepted = 0;
        Gen.Select(Gen.Int[0, RealSamples.Length - 1], Gen.Int[0, int.MaxValue], JsonValue(2), Gen.Bool).Sample((which, slot, replacement, remove) =>
        {
            var (provider, service, file) = RealSamples[which];
            var body = Mutate(ReleaseGuardian.Infrastructure.Tests.Ingestion.RealSamples.Load(service, file), slot, replacement, remove);
            var outcome = Adapter(provider).Handle(Signed(provider, body), Configured, Now);
            AssertWellFormedOutcome(outcome);
            if (outcome is FlagWebhookOutcome.Rejected rejected)
            {
                Assert.Equal(400, rejected.Problem.StatusCode);
                Assert.False(string.IsNullOrWhiteSpace(rejected.Problem.Field));
            }
            else if (outcome is FlagWebhookOutcome.Accepted)
            {
                Interlocked.Increment(ref accepted);
            }
        }, iter: 2000);

        Assert.True(accepted > 100, $"only {accepted} mutated real deliveries were accepted");
    }

    private static byte[] Mutate(byte[] sample, int slot, string replacement, bool remove)
    {
        var root = JsonNode.Parse(sample)!;
        var slots = new List<(JsonNode Parent, string? Name, int Index)>();
        Collect(root, slots);
        var (parent, name, index) = slots[slot % slots.Count];
        var value = JsonNode.Parse(replacement);
        if (parent is JsonObject obj)
        {
            if (remove)
            {
                obj.Remove(name!);
            }
            else
            {
                obj[name!] = value;
            }
        }
        else
        {
            ((JsonArray)parent)[index] = value;
        }

        return Encoding.UTF8.GetBytes(root.ToJsonString());
    }

    private static void Collect(JsonNode? node, List<(JsonNode, string?, int)> slots)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj)
                {
                    slots.Add((obj, name, 0));
                    Collect(child, slots);
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    slots.Add((array, null, i));
                    Collect(array[i], slots);
                }

                break;
        }
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class FlagTestJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
