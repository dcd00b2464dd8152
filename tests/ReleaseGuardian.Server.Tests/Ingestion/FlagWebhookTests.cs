using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Infrastructure.Ingestion;
using ReleaseGuardian.Server.Tests.Support;
using ReleaseGuardian.Testing;
using static ReleaseGuardian.Infrastructure.Tests.Ingestion.Flags.FlagDeliveries;

namespace ReleaseGuardian.Server.Tests.Ingestion;

/// <summary>POST /api/webhooks/flags/{provider} over real HTTP against Azurite, read back through the timeline.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class FlagWebhookTests(AzuriteFixture azurite) : IDisposable
{
    private const string GuardianId = "checkout";
    private GuardianServer? _server;

    /// <summary>What each provider's sample must normalise to (the same facts the adapter tests check offline).</summary>
    private sealed record Expected(
        string Key, string? Project, string? Environment, string? Previous, string Current, string? Actor, int Changes, Func<byte[], string> ChangeId);

    private static string Sha256(byte[] body) => Convert.ToHexStringLower(SHA256.HashData(body));

    private static readonly IReadOnlyDictionary<string, Expected> Samples = new Dictionary<string, Expected>
    {
        // An updateOn entry is a toggle: turning the flag on says it was off.
        ["launchdarkly"] = new("new-checkout", "default", "production", """{"enabled":false}""", """{"enabled":true}""", "Ada Lovelace <ada@example.org>", 1, _ => "65a1f0c2e4b0a1d2c3f4a5b6"),
        ["unleash"] = new("new-checkout", "default", "production", """{"enabled":false}""", """{"enabled":true}""", "ada@example.org", 1, _ => "4211"),
        ["flagsmith"] = new("new_checkout", "Shop", "Production", """{"enabled":false,"variant":"v1"}""", """{"enabled":true,"variant":"v2"}""", "Ada Lovelace", 1, Sha256),
        ["configcat"] = new("newCheckout", "Main Config", "Production", """{"enabled":false}""", """{"enabled":true}""", "Ada Lovelace (ada@example.org)", 2, _ => ConfigCatWebhookId + ":newCheckout"),
        ["gofeatureflag"] = new("new-checkout", null, null, """{"enabled":false,"variant":"disabled"}""", """{"enabled":true,"variant":"enabled"}""", null, 3, b => Sha256(b) + ":new-checkout"),
        ["growthbook"] = new("new-checkout", "prj_shop", "production", """{"enabled":false,"variant":"true"}""", """{"enabled":true,"variant":"true"}""", "Ada Lovelace <ada@example.org>", 1, _ => "event-01JDX4W3Q8Z6"),
        ["split"] = new("new_checkout", null, "Production", """{"enabled":true,"variant":"on"}""", """{"enabled":false,"variant":"off"}""", "Ada Lovelace", 1, _ => "1764064800123"),
        ["azureappconfig"] = new("new-checkout", "shop-config", "production", null, """{"enabled":null}""", null, 1, _ => "FnUExLaj2moIi4tJX9AXn9sakm0"),
    };

    public static IEnumerable<object[]> AllProviders() => Providers();

    public static IEnumerable<object[]> BodySigningProviders() => SigningProviders();

    private async Task<GuardianServer> StartAsync(string provider, params (string Key, string? Value)[] settings)
    {
        _server = IngestionServer.Start(azurite, settings);
        var expected = Samples[provider];
        using var management = _server.Management();
        await management.PutGuardianAsync(GuardianId, GuardianApiClient.Flag(provider, expected.Key, expected.Project, expected.Environment));
        return _server;
    }

    private static (string Key, string? Value) SecretOf(string provider) => ($"Webhooks:{provider}:Secret", Secret);

    // ConfigCat signs a timestamp the server checks against its own clock; the other providers ignore signedAt.
    private static WebhookRequest Delivery(string provider, byte[]? body = null, string secret = Secret) =>
        Signed(provider, body ?? Sample(provider), secret, DateTimeOffset.UtcNow);

    private static string Route(string provider) => $"/api/webhooks/flags/{provider}";

    private async Task<IReadOnlyList<TimelineItem>> TimelineAsync()
    {
        using var management = _server!.Management();
        return await management.TimelineAsync(GuardianId);
    }

    [Theory]
    [MemberData(nameof(AllProviders))]
    public async Task A_signed_delivery_is_accepted_with_its_event_ids_and_the_change_is_on_the_bound_guardians_timeline(string provider)
    {
        var server = await StartAsync(provider, SecretOf(provider));
        var expected = Samples[provider];
        var body = Sample(provider);
        using var client = server.Anonymous();

        var answer = await client.PostAsync(Route(provider), Delivery(provider, body));

        var events = answer.AssertAccepted(expected.Changes);
        var changeId = expected.ChangeId(body);
        Assert.All(events, e => Assert.Equal("releaseguardian.flag.changed.v1", e.GetProperty("type").GetString()));
        Assert.All(events, e => Assert.Equal("/webhooks/flags/" + provider, e.GetProperty("source").GetString()));
        Assert.Contains(events, e => e.GetProperty("id").GetString() == changeId);

        var entry = Assert.Single(await TimelineAsync());
        Assert.Equal(("flagChange", changeId), (entry.Kind, entry.Id));
        var data = entry.Data;
        Assert.Equal(provider, data.GetProperty("provider").GetString());
        Assert.Equal(expected.Key, data.GetProperty("flagKey").GetString());
        Assert.Equal(expected.Project, Optional(data, "project"));
        Assert.Equal(expected.Environment, Optional(data, "environment"));
        Assert.Equal(expected.Actor, Optional(data, "actor"));
        Assert.Equal(changeId, data.GetProperty("changeId").GetString());
        AssertJsonEqual(expected.Current, data.GetProperty("current"));
        if (expected.Previous is null)
        {
            Assert.False(data.TryGetProperty("previous", out _), "a first change with no previous state in the payload has none");
        }
        else
        {
            AssertJsonEqual(expected.Previous, data.GetProperty("previous"));
        }

        Assert.Contains(expected.Key, entry.Summary, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(BodySigningProviders))]
    public async Task A_tampered_body_is_rejected_with_401_naming_the_signature_header_and_nothing_is_stored(string provider)
    {
        var server = await StartAsync(provider, SecretOf(provider));
        var signed = Delivery(provider);
        var tampered = signed with { Body = With(Sample(provider), "tampered", "true") };
        using var client = server.Anonymous();

        var answer = await client.PostAsync(Route(provider), tampered);

        answer.AssertProblem(HttpStatusCode.Unauthorized, Adapter(provider).CredentialField);
        Assert.DoesNotContain(Secret, answer.Body, StringComparison.Ordinal);
        Assert.Empty(await TimelineAsync());
    }

    [Theory]
    [MemberData(nameof(AllProviders))]
    public async Task A_delivery_signed_with_the_wrong_secret_is_rejected_with_401_and_nothing_is_stored(string provider)
    {
        var server = await StartAsync(provider, SecretOf(provider));
        using var client = server.Anonymous();

        var answer = await client.PostAsync(Route(provider), Delivery(provider, secret: "not-the-configured-secret"));

        answer.AssertProblem(HttpStatusCode.Unauthorized, Adapter(provider).CredentialField);
        Assert.DoesNotContain(Secret, answer.Body, StringComparison.Ordinal);
        Assert.Empty(await TimelineAsync());
    }

    [Theory]
    [MemberData(nameof(AllProviders))]
    public async Task A_provider_with_no_secret_configured_refuses_even_a_signed_delivery_with_401(string provider)
    {
        var server = await StartAsync(provider);
        using var client = server.Anonymous();

        var answer = await client.PostAsync(Route(provider), Delivery(provider));

        Assert.True(answer.Status == HttpStatusCode.Unauthorized, answer.Body);
        Assert.Equal("application/problem+json", answer.MediaType);
        Assert.Contains($"Webhooks:{provider}:Secret", answer.Body, StringComparison.Ordinal);
        Assert.Empty(await TimelineAsync());
    }

    [Theory]
    [MemberData(nameof(AllProviders))]
    public async Task A_provider_allowed_unsigned_deliveries_accepts_one_without_its_credential(string provider)
    {
        var server = await StartAsync(provider, ($"Webhooks:{provider}:AllowUnsigned", "true"));
        var unsigned = WithoutCredential(Delivery(provider), Adapter(provider).CredentialField);
        using var client = server.Anonymous();

        var answer = await client.PostAsync(Route(provider), unsigned);

        answer.AssertAccepted(Samples[provider].Changes);
        Assert.Single(await TimelineAsync());
    }

    [Theory]
    [MemberData(nameof(AllProviders))]
    public async Task A_replayed_delivery_gets_the_same_status_and_body_and_is_stored_once(string provider)
    {
        var server = await StartAsync(provider, SecretOf(provider));
        var delivery = Delivery(provider);
        using var client = server.Anonymous();

        var first = await client.PostAsync(Route(provider), delivery);
        var second = await client.PostAsync(Route(provider), delivery);

        first.AssertAccepted(Samples[provider].Changes);
        Assert.Equal((first.Status, first.Body), (second.Status, second.Body));
        Assert.Single(await TimelineAsync());
    }

    [Theory]
    [MemberData(nameof(AllProviders))]
    public async Task Malformed_JSON_is_rejected_with_400_naming_the_field_and_nothing_is_stored(string provider)
    {
        var server = await StartAsync(provider, SecretOf(provider));
        using var client = server.Anonymous();

        var answer = await client.PostAsync(Route(provider), Delivery(provider, Encoding.UTF8.GetBytes("""{"kind": "flag", "accesses": [""")));

        answer.AssertProblem(HttpStatusCode.BadRequest, "$");
        Assert.Empty(await TimelineAsync());
    }

    [Fact]
    public async Task A_missing_field_is_rejected_with_400_naming_it_by_JSON_path()
    {
        var server = await StartAsync("launchdarkly", SecretOf("launchdarkly"));
        using var client = server.Anonymous();

        var answer = await client.PostAsync(Route("launchdarkly"), Delivery("launchdarkly", With(Sample("launchdarkly"), "accesses[0].resource", "42")));

        answer.AssertProblem(HttpStatusCode.BadRequest, "accesses[0].resource");
        Assert.Empty(await TimelineAsync());
    }

    [Fact]
    public async Task A_body_over_1_MiB_is_rejected_with_413_and_nothing_is_stored()
    {
        var server = await StartAsync("launchdarkly", SecretOf("launchdarkly"));
        var sample = Encoding.UTF8.GetString(Sample("launchdarkly")).TrimEnd();
        var padded = Encoding.UTF8.GetBytes(sample[..^1] + ",\"padding\":\"" + new string('x', 1024 * 1024) + "\"}");
        using var client = server.Anonymous();

        var answer = await client.PostAsync(Route("launchdarkly"), Delivery("launchdarkly", padded));

        answer.AssertProblem(HttpStatusCode.RequestEntityTooLarge, "body");
        Assert.Empty(await TimelineAsync());
    }

    [Fact]
    public async Task A_chunked_body_over_1_MiB_without_a_length_is_rejected_with_413_and_nothing_is_stored()
    {
        var server = await StartAsync("launchdarkly", SecretOf("launchdarkly"));
        var sample = Encoding.UTF8.GetString(Sample("launchdarkly")).TrimEnd();
        var padded = Encoding.UTF8.GetBytes(sample[..^1] + ",\"padding\":\"" + new string('x', 1024 * 1024) + "\"}");
        using var factoryClient = server.Anonymous();
        // A plain client: the factory's handlers buffer request bodies (for redirects) and would add a Content-Length.
        using var client = new HttpClient { BaseAddress = factoryClient.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, Route("launchdarkly"))
        {
            // A stream of unknown length goes out chunked, so the server cannot refuse it on Content-Length alone.
            Content = new UnknownLengthContent(padded),
        };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.Add("X-LD-Signature", HmacSignature.ComputeHex(Secret, padded));

        using var response = await client.SendAsync(request);

        Assert.Null(request.Content.Headers.ContentLength);
        (await Answer.ReadAsync(response)).AssertProblem(HttpStatusCode.RequestEntityTooLarge, "body");
        Assert.Empty(await TimelineAsync());
    }

    private sealed class UnknownLengthContent(byte[] bytes) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context) => stream.WriteAsync(bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = -1;
            return false;
        }
    }

    [Fact]
    public async Task An_unknown_provider_is_answered_with_404_naming_provider()
    {
        var server = await StartAsync("launchdarkly", SecretOf("launchdarkly"));
        using var client = server.Anonymous();

        var answer = await client.PostAsync(Route("featurly"), Delivery("launchdarkly"));

        var problem = answer.AssertProblem(HttpStatusCode.NotFound, "provider");
        Assert.Contains("launchdarkly", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(await TimelineAsync());
    }

    [Fact]
    public async Task A_ConfigCat_delivery_with_a_stale_timestamp_is_rejected_with_401_naming_the_timestamp_header()
    {
        var server = await StartAsync("configcat", SecretOf("configcat"));
        using var client = server.Anonymous();

        var answer = await client.PostAsync(Route("configcat"), Signed("configcat", Sample("configcat"), Secret, DateTimeOffset.UtcNow.AddMinutes(-10)));

        answer.AssertProblem(HttpStatusCode.Unauthorized, "X-ConfigCat-Webhook-Timestamp");
        Assert.Empty(await TimelineAsync());
    }

    [Fact]
    public async Task The_Azure_App_Configuration_Event_Grid_subscription_validation_is_answered_200_and_stores_nothing()
    {
        var server = await StartAsync("azureappconfig", SecretOf("azureappconfig"));
        var handshake = Unsigned(
            Payload("azureappconfig-subscription-validation.json"),
            headers: new Dictionary<string, string> { ["aeg-event-type"] = "SubscriptionValidation" },
            query: new Dictionary<string, string> { ["secret"] = Secret });
        using var client = server.Anonymous();

        var answer = await client.PostAsync(Route("azureappconfig"), handshake);

        Assert.True(answer.Status == HttpStatusCode.OK, answer.Body);
        Assert.Equal("application/json", answer.MediaType);
        Assert.Equal("512d38b6-c7b8-40c8-89fe-f46f9e9622b6", answer.Json.GetProperty("validationResponse").GetString());
        Assert.Empty(await TimelineAsync());
    }

    private static string? Optional(JsonElement data, string name) =>
        data.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static void AssertJsonEqual(string expected, JsonElement actual) =>
        Assert.True(JsonElement.DeepEquals(JsonDocument.Parse(expected).RootElement, actual), $"expected {expected}, got {actual.GetRawText()}");

    public void Dispose() => _server?.Dispose();
}
