using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ReleaseGuardian.Application.Rollback;
using ReleaseGuardian.Core.Flags;
using ReleaseGuardian.Testing;
using static ReleaseGuardian.Infrastructure.Tests.Rollback.AppConfigurationStore;
using static ReleaseGuardian.Infrastructure.Tests.Rollback.RollbackTestHost;

namespace ReleaseGuardian.Infrastructure.Tests.Rollback;

public sealed class AzureAppConfigRollbackClientTests
{
    private const string FlagValue =
        "{\"id\":\"new-checkout\",\"description\":\"New checkout\",\"enabled\":true,\"conditions\":{\"client_filters\":[{\"name\":\"Microsoft.Percentage\",\"parameters\":{\"Value\":50}}]}}";

    private static RollbackPlan PlanFor(bool enabled) =>
        Plan("azureappconfig", "new-checkout", new FlagState(enabled), refs: new Dictionary<string, string> { ["label"] = "prod" });

    [Fact]
    public async Task Turning_off_reads_the_flag_sets_enabled_and_writes_it_back_with_if_match_signed_with_hmac()
    {
        var store = new AppConfigurationStore(FlagValue);
        await using var server = await LoopbackServer.StartAsync(store.Handle);
        await using var services = Build(HmacSettings(server));

        var outcome = await Client(services, "azureappconfig").RollBackAsync(PlanFor(false), default);

        Assert.Equal(1, Assert.IsType<RollbackOutcome.Succeeded>(outcome).Attempts);
        Assert.Equal(2, server.Requests.Count);
        var (get, put) = (server.Requests[0], server.Requests[1]);
        Assert.Equal("GET", get.Method);
        Assert.Equal("/kv/.appconfig.featureflag%2Fnew-checkout", get.Path);
        Assert.Equal("?label=prod&api-version=1.0", get.Query);
        AssertSignedCorrectly(get);

        Assert.Equal("PUT", put.Method);
        Assert.Equal(get.Path + get.Query, put.Path + put.Query);
        Assert.Equal("\"etag-1\"", put.Header("If-Match"));
        Assert.StartsWith("application/vnd.microsoft.appconfig.kv+json", put.Header("Content-Type"));
        AssertSignedCorrectly(put);
        var body = Json(put);
        Assert.Equal("application/vnd.microsoft.appconfig.ff+json;charset=utf-8", body.GetProperty("content_type").GetString());
        Assert.Equal("team-checkout", body.GetProperty("tags").GetProperty("owner").GetString());

        var expected = JsonNode.Parse(FlagValue)!;
        expected["enabled"] = false;
        Assert.True(JsonNode.DeepEquals(expected, JsonNode.Parse(store.Value)), store.Value);
    }

    [Fact]
    public async Task A_precondition_failure_re_reads_and_keeps_the_other_writers_change()
    {
        var store = new AppConfigurationStore(FlagValue);
        store.BeforeNextPut = () =>
        {
            // Another writer edits the description between our read and our write.
            var other = JsonNode.Parse(store.Value)!;
            other["description"] = "edited meanwhile";
            store.Value = other.ToJsonString();
            store.Version++;
        };
        await using var server = await LoopbackServer.StartAsync(store.Handle);
        await using var services = Build(HmacSettings(server));

        var outcome = await Client(services, "azureappconfig").RollBackAsync(PlanFor(false), default);

        Assert.Equal(2, Assert.IsType<RollbackOutcome.Succeeded>(outcome).Attempts);
        Assert.Equal(["GET", "PUT", "GET", "PUT"], server.Requests.Select(r => r.Method));
        Assert.Equal("\"etag-1\"", server.Requests[1].Header("If-Match"));
        Assert.Equal("\"etag-2\"", server.Requests[3].Header("If-Match"));
        var final = JsonNode.Parse(store.Value)!;
        Assert.False(final["enabled"]!.GetValue<bool>());
        Assert.Equal("edited meanwhile", final["description"]!.GetValue<string>());
    }

    [Fact]
    public async Task Two_precondition_failures_give_up_with_manual_steps()
    {
        await using var server = await LoopbackServer.StartAsync(async (request, context) =>
        {
            context.Response.StatusCode = request.Method == "GET" ? 200 : 412;
            context.Response.Headers.ETag = "\"e\"";
            await context.Response.WriteAsync(request.Method == "GET" ? new JsonObject { ["value"] = FlagValue }.ToJsonString() : "");
        });
        await using var services = Build(HmacSettings(server));

        var outcome = await Client(services, "azureappconfig").RollBackAsync(PlanFor(true), default);

        var failed = Assert.IsType<RollbackOutcome.Failed>(outcome);
        Assert.Contains("HTTP 412", failed.Reason);
        Assert.Equal(2, failed.Attempts);
        Assert.Contains("az appconfig feature enable", failed.ManualSteps);
        Assert.Contains("--label prod", failed.ManualSteps);
    }

    [Fact]
    public async Task A_missing_flag_fails_without_writing()
    {
        await using var server = await LoopbackServer.StartAsync(404, "{\"title\":\"Not found\"}");
        await using var services = Build(HmacSettings(server));

        var outcome = await Client(services, "azureappconfig").RollBackAsync(PlanFor(false), default);

        var failed = Assert.IsType<RollbackOutcome.Failed>(outcome);
        Assert.Contains("was not found", failed.Reason);
        Assert.Equal("GET", Assert.Single(server.Requests).Method);
    }

    private sealed class StaticTokenCredential : TokenCredential
    {
        public List<string> Scopes { get; } = [];

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            Scopes.AddRange(requestContext.Scopes);
            return new AccessToken("entra-access-token", DateTimeOffset.UtcNow.AddHours(1));
        }

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }

    [Fact]
    public async Task Without_an_hmac_secret_an_entra_token_for_app_configuration_is_used()
    {
        var store = new AppConfigurationStore(FlagValue);
        var credential = new StaticTokenCredential();
        await using var server = await LoopbackServer.StartAsync(store.Handle);
        await using var services = Build(
            new Dictionary<string, string?> { ["Providers:azureappconfig:Endpoint"] = BaseUrl(server) },
            s => s.AddSingleton<TokenCredential>(credential));

        var outcome = await Client(services, "azureappconfig").RollBackAsync(PlanFor(false), default);

        Assert.IsType<RollbackOutcome.Succeeded>(outcome);
        Assert.Equal(["https://appconfig.azure.com/.default"], credential.Scopes);
        Assert.All(server.Requests, r => Assert.Equal("Bearer entra-access-token", r.Header("Authorization")));
        Assert.All(server.Requests, r => Assert.Null(r.Header("x-ms-content-sha256")));
    }
}
