using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using ReleaseGuardian.Functions.Tests.Support;
using ReleaseGuardian.Infrastructure.Ingestion;
using ReleaseGuardian.Server.Composition;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Functions.Tests.Http;

/// <summary>
/// The same requests to both hosts: the Functions app's HTTP functions invoked in process with real ASP.NET Core
/// requests, and the standalone server over real HTTP, each on its own tables in one Azurite. For every route the
/// status, the headers that matter and the body must be the same; only what differs by nature is masked (the host's
/// base URL and the Durable extension's system key, ETag values, times of receipt).
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class HostParityTests(AzuriteFixture azurite)
{
    private static readonly string[] HeadersThatMatter = ["Content-Type", "Location", "WebHook-Allowed-Origin", "Allow", "Retry-After"];

    [Fact]
    public async Task Every_route_answers_the_same_request_alike_in_both_hosts()
    {
        await using var story = await FunctionsStory.StartAsync(azurite);
        await using var standalone = await StandaloneServer.StartAsync(azurite.ConnectionString, story.LaunchDarkly.BaseAddress);
        var guardian = Encoding.UTF8.GetBytes(WorkshopPayloads.Guardian("checkout", story.Hook.BaseAddress + "hook", WorkshopPayloads.StaticObjectives));
        var toggle = WorkshopPayloads.LaunchDarklyToggle("65a1f0c2e4b0a1d2c3f4a5c8", WorkshopPayloads.Base.AddSeconds(30), turnOn: true);
        var summary = WorkshopPayloads.K6Summary(1150, 0.12);
        var cloudEvent = Encoding.UTF8.GetBytes("""
            {"specversion":"1.0","type":"releaseguardian.loadtest.finished.v1","source":"/ci/pipeline","id":"evt-parity-1",
             "datacontenttype":"application/json",
             "data":{"guardian":"checkout","testId":"ce-1","purpose":"validation","start":"2026-11-24T10:02:00Z","end":"2026-11-24T10:03:00Z",
                     "signals":{"latency.p95":310,"errors.rate":0.001,"traffic.requests":1170}}}
            """);
        var evaluation = Encoding.UTF8.GetBytes("""{"start":"2026-11-24T10:04:00Z","end":"2026-11-24T10:05:00Z","runId":"manual-1","signals":{"latency.p95":500,"errors.rate":0.0}}""");
        string[] key = ["x-functions-key", FunctionsStory.ApiKey];
        string[] json = ["Content-Type", "application/json"];

        var requests = new (HttpMethod Method, string Path, byte[]? Body, string[][] Headers)[]
        {
            (HttpMethod.Put, "/api/guardians/checkout", guardian, [key, json]),
            (HttpMethod.Put, "/api/guardians/checkout", guardian, [key, ["Content-Type", "text/plain"]]),
            (HttpMethod.Put, "/api/guardians/checkout", guardian, [["x-functions-key", "wrong-key"], json]),
            (HttpMethod.Get, "/api/guardians/checkout", null, [key]),
            (HttpMethod.Get, "/api/guardians/nosuch", null, [key]),
            (HttpMethod.Get, "/api/guardians", null, [key]),
            (HttpMethod.Post, "/api/webhooks/flags/launchdarkly", toggle, [["X-LD-Signature", HmacSignature.ComputeHex(FunctionsStory.LaunchDarklySecret, toggle)], json]),
            (HttpMethod.Post, "/api/webhooks/flags/launchdarkly", toggle, [["X-LD-Signature", "0000"], json]),
            (HttpMethod.Post, "/api/webhooks/flags/nosuch", toggle, [json]),
            (HttpMethod.Post, "/api/webhooks/loadtests/k6?" + WorkshopPayloads.K6Query("checkout", "validate-1", "validation", WorkshopPayloads.Base.AddMinutes(1)), summary,
                [["X-Guardian-Signature", GuardianSignature.Sign(FunctionsStory.K6Secret, summary)], json]),
            (HttpMethod.Post, "/api/webhooks/loadtests/k6?guardian=checkout", Encoding.UTF8.GetBytes("{}"), [["X-Guardian-Signature", GuardianSignature.Sign(FunctionsStory.K6Secret, Encoding.UTF8.GetBytes("{}"))], json]),
            (HttpMethod.Post, "/api/events", cloudEvent, [["X-Guardian-Signature", GuardianSignature.Sign(FunctionsStory.EventsSecret, cloudEvent)], ["Content-Type", "application/cloudevents+json"]]),
            (HttpMethod.Options, "/api/events", null, [["WebHook-Request-Origin", "eventgrid.azure.net"]]),
            (HttpMethod.Post, "/api/guardians/checkout/evaluations", evaluation, [key, json]),
            (HttpMethod.Post, "/api/guardians/checkout/evaluations", Encoding.UTF8.GetBytes("""{"start":"yesterday"}"""), [key, json]),
            // Release routes: a refused plan, the empty list, an unknown release and a control for it.
            (HttpMethod.Post, "/api/guardians/checkout/releases", Encoding.UTF8.GetBytes("""{"stages":[{"rollout":50},{"rollout":10}]}"""), [key, json]),
            (HttpMethod.Post, "/api/guardians/checkout/releases", Encoding.UTF8.GetBytes("""{"stages":[{"rollout":10}]}"""), [["x-functions-key", "wrong-key"], json]),
            (HttpMethod.Get, "/api/guardians/checkout/releases", null, [key]),
            (HttpMethod.Get, "/api/guardians/checkout/releases/release-20261206T000000-abcd", null, [key]),
            (HttpMethod.Post, "/api/guardians/checkout/releases/release-20261206T000000-abcd/abort", null, [key]),
            (HttpMethod.Post, "/api/guardians/nosuch/releases", Encoding.UTF8.GetBytes("""{"stages":[{"rollout":100}]}"""), [key, json]),
        };

        // An evaluation a request starts finishes in both hosts before the next request, so runs are judged in one order.
        var startsEvaluation = new Dictionary<int, string> { [9] = "checkout:lt-validate-1", [11] = "checkout:lt-ce-1", [13] = "checkout:manual-1" };
        var functionsAnswers = new List<string>();
        var standaloneAnswers = new List<string>();
        for (var i = 0; i < requests.Length; i++)
        {
            var (method, path, body, headers) = requests[i];
            functionsAnswers.Add(Describe(method, path, await story.Http.SendAsync(method, path, body, headers.Select(h => KeyValuePair.Create(h[0], h[1]))), FunctionsStory.ApiKey));
            standaloneAnswers.Add(Describe(method, path, await standalone.SendAsync(method, path, body, headers), FunctionsStory.ApiKey));
            if (startsEvaluation.TryGetValue(i, out var instance))
            {
                await story.Host.WaitForEndAsync(instance);
                await standalone.WaitForEndAsync(instance);
            }
        }

        var afterwards = new (HttpMethod Method, string Path, byte[]? Body, string[][] Headers)[]
        {
            (HttpMethod.Get, "/api/guardians/checkout/runs", null, [key]),
            (HttpMethod.Get, "/api/guardians/checkout/runs?pageSize=0", null, [key]),
            (HttpMethod.Get, "/api/guardians/checkout/runs/lt-validate-1", null, [key]),
            (HttpMethod.Get, "/api/guardians/checkout/runs/nosuch", null, [key]),
            (HttpMethod.Get, "/api/guardians/checkout/timeline", null, [key]),
            (HttpMethod.Get, "/api/notifications?guardian=checkout", null, [key]),
            (HttpMethod.Post, "/api/guardians/checkout/runs/lt-ce-1/invalidate", Encoding.UTF8.GetBytes("""{"reason":"parity test"}"""), [key, json]),
            (HttpMethod.Post, "/api/guardians/checkout/baseline/reset", null, [key]),
            (HttpMethod.Delete, "/api/guardians/checkout", null, [key]),
            (HttpMethod.Delete, "/api/guardians/checkout", null, [key]),
        };
        foreach (var (method, path, body, headers) in afterwards)
        {
            functionsAnswers.Add(Describe(method, path, await story.Http.SendAsync(method, path, body, headers.Select(h => KeyValuePair.Create(h[0], h[1]))), FunctionsStory.ApiKey));
            standaloneAnswers.Add(Describe(method, path, await standalone.SendAsync(method, path, body, headers), FunctionsStory.ApiKey));
        }

        Assert.Equal(requests.Length + afterwards.Length, functionsAnswers.Count);
        for (var i = 0; i < functionsAnswers.Count; i++)
        {
            Assert.Equal(standaloneAnswers[i], functionsAnswers[i]);
        }

        // The comparison is not vacuous: the story really happened in both hosts.
        Assert.Contains(functionsAnswers, a => a.StartsWith("POST /api/webhooks/loadtests/k6?", StringComparison.Ordinal) && a.Contains(" -> 202", StringComparison.Ordinal));
        Assert.Equal(2, story.Rollbacks.Count);
        Assert.Contains(functionsAnswers, a => a.StartsWith("POST /api/guardians/checkout/releases", StringComparison.Ordinal)
            && a.Contains(" -> 400", StringComparison.Ordinal) && a.Contains("stages[1].rollout", StringComparison.Ordinal));
        Assert.Contains(functionsAnswers, a => a.StartsWith("POST /api/guardians/checkout/releases/release-20261206T000000-abcd/abort", StringComparison.Ordinal)
            && a.Contains(" -> 404", StringComparison.Ordinal));
    }

    /// <summary>One answer as text: status, the headers that matter, and the body with what differs by nature masked.</summary>
    private static string Describe(HttpMethod method, string path, CapturedResponse response, string apiKey)
    {
        var text = new StringBuilder($"{method.Method} {path} -> {response.Status}\n");
        foreach (var name in HeadersThatMatter)
        {
            if (response.Header(name) is { } value)
            {
                text.Append(name).Append(": ").Append(MaskUrl(value)).Append('\n');
            }
        }

        text.Append("ETag: ").Append(response.Header("ETag") is null ? "absent" : "present").Append('\n');
        Assert.DoesNotContain(apiKey, response.Text, StringComparison.Ordinal);
        if (response.Body.Length > 0)
        {
            try
            {
                text.Append(Mask(JsonNode.Parse(response.Body))?.ToJsonString());
            }
            catch (JsonException)
            {
                text.Append(response.Text);
            }
        }

        return text.ToString();
    }

    private static JsonNode? Mask(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, value) in obj.ToList())
                {
                    obj[name] = name.Equals("etag", StringComparison.OrdinalIgnoreCase) ? "<etag>"
                        : name == "traceId" ? "<trace>"
                        : Mask(value?.DeepClone());
                }

                return obj;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    array[i] = Mask(array[i]?.DeepClone());
                }

                return array;
            case JsonValue value when value.TryGetValue<string>(out var s):
                // Times of receipt differ from host to host; the payloads' own times (November 2026) do not.
                if (DateTimeOffset.TryParse(s, out var time) && time > DateTimeOffset.UtcNow.AddHours(-1))
                {
                    return JsonValue.Create("<now>");
                }

                return JsonValue.Create(MaskUrl(s));
            default:
                return node;
        }
    }

    // An absolute URL names the host it was served from, and Functions' Durable URLs carry the extension's system key.
    private static string MaskUrl(string value)
    {
        if (!Uri.TryCreate(value.Replace("{eventName}", "EVENT", StringComparison.Ordinal), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            return value;
        }

        var query = string.Join('&', uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Where(p => p != FunctionsDurableHost.DurableSystemKeyQuery));
        return "<base>" + uri.AbsolutePath.Replace("EVENT", "{eventName}", StringComparison.Ordinal) + (query.Length > 0 ? "?" + Uri.UnescapeDataString(query) : "");
    }

    /// <summary>The standalone server on a free loopback port, with the same settings as the Functions app in the story.</summary>
    private sealed class StandaloneServer : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly HttpClient _client;

        private StandaloneServer(WebApplication app)
        {
            _app = app;
            _client = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };
        }

        public static async Task<StandaloneServer> StartAsync(string storage, Uri launchDarkly)
        {
            var app = GuardianServerApp.Create([], builder =>
            {
                foreach (var (name, value) in FunctionsStory.Settings(storage, launchDarkly))
                {
                    builder.Configuration[name] = value;
                }

                builder.Configuration["Workflow:PollInterval"] = "00:00:00.050";
                builder.WebHost.UseUrls("http://127.0.0.1:0");
            });
            await app.StartAsync();
            return new StandaloneServer(app);
        }

        public async Task<CapturedResponse> SendAsync(HttpMethod method, string path, byte[]? body, string[][] headers)
        {
            using var request = new HttpRequestMessage(method, path);
            if (body is not null)
            {
                request.Content = new ByteArrayContent(body);
            }

            foreach (var header in headers)
            {
                if (header[0].Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
                {
                    request.Content ??= new ByteArrayContent([]);
                    request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(header[1]);
                }
                else
                {
                    request.Headers.TryAddWithoutValidation(header[0], header[1]);
                }
            }

            using var response = await _client.SendAsync(request);
            var answered = response.Headers.Concat(response.Content.Headers)
                .ToDictionary(h => h.Key, h => string.Join(", ", h.Value), StringComparer.OrdinalIgnoreCase);
            return new CapturedResponse((int)response.StatusCode, answered, await response.Content.ReadAsByteArrayAsync());
        }

        public async Task WaitForEndAsync(string instanceId)
        {
            var deadline = DateTime.UtcNow.AddSeconds(90);
            while (true)
            {
                var status = await SendAsync(HttpMethod.Get, "/runtime/webhooks/durabletask/instances/" + Uri.EscapeDataString(instanceId), null, [["x-functions-key", FunctionsStory.ApiKey]]);
                if (status.Status == 200)
                {
                    return;
                }

                Assert.True(DateTime.UtcNow < deadline, $"{instanceId} did not finish on the standalone server: {status.Status} {status.Text}");
                await Task.Delay(50);
            }
        }

        public async ValueTask DisposeAsync()
        {
            _client.Dispose();
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
