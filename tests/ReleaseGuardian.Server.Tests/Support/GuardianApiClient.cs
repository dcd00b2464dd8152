using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ReleaseGuardian.Application.Ingestion;

namespace ReleaseGuardian.Server.Tests.Support;

/// <summary>One entry of <c>GET /api/guardians/{id}/timeline</c>.</summary>
public sealed record TimelineItem(string Kind, string Id, string Summary, JsonElement Data);

/// <summary>The management API and webhook posting, over real HTTP; every read-back goes through the public API.</summary>
public static class GuardianApiClient
{
    /// <summary>A valid definition (DESIGN.md §6) bound to <paramref name="flag"/>, or unbound when null.</summary>
    public static string Definition(string id, JsonObject? flag = null, string service = "checkout")
    {
        var definition = new JsonObject
        {
            ["id"] = id,
            ["displayName"] = "Checkout service",
            ["service"] = service,
            ["metrics"] = new JsonObject { ["source"] = "loadtest" },
            ["objectives"] = new JsonArray
            {
                new JsonObject
                {
                    ["name"] = "p95 latency",
                    ["signal"] = "latency.p95",
                    ["direction"] = "lowerIsBetter",
                    ["thresholds"] = new JsonObject { ["mode"] = "static", ["warning"] = 600, ["failure"] = 800 },
                },
                new JsonObject
                {
                    ["name"] = "error rate",
                    ["signal"] = "errors.rate",
                    ["direction"] = "lowerIsBetter",
                    ["thresholds"] = new JsonObject { ["mode"] = "adaptive" },
                    ["key"] = true,
                },
            },
            ["policy"] = new JsonObject { ["rollbackOn"] = new JsonArray("nogo") },
        };
        if (flag is not null)
        {
            definition["flag"] = flag;
        }

        return definition.ToJsonString();
    }

    /// <summary>A flag binding; null project or environment are left out.</summary>
    public static JsonObject Flag(string provider, string key, string? project = null, string? environment = null)
    {
        var flag = new JsonObject { ["provider"] = provider, ["key"] = key };
        if (project is not null)
        {
            flag["project"] = project;
        }

        if (environment is not null)
        {
            flag["environment"] = environment;
        }

        return flag;
    }

    public static async Task PutGuardianAsync(this HttpClient management, string id, JsonObject? flag = null)
    {
        using var content = new StringContent(Definition(id, flag), Encoding.UTF8, "application/json");
        using var response = await management.PutAsync($"/api/guardians/{id}", content);
        Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The whole timeline, newest first, following continuation tokens.</summary>
    public static async Task<IReadOnlyList<TimelineItem>> TimelineAsync(this HttpClient management, string guardianId)
    {
        var items = new List<TimelineItem>();
        string? continuation = null;
        do
        {
            var url = $"/api/guardians/{guardianId}/timeline?pageSize=200"
                + (continuation is null ? "" : "&continuation=" + Uri.EscapeDataString(continuation));
            using var response = await management.GetAsync(url);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"timeline of {guardianId}: {(int)response.StatusCode} {text}");
            using var page = JsonDocument.Parse(text);
            foreach (var entry in page.RootElement.GetProperty("entries").EnumerateArray())
            {
                items.Add(new TimelineItem(
                    entry.GetProperty("kind").GetString()!,
                    entry.GetProperty("id").GetString()!,
                    entry.GetProperty("summary").GetString()!,
                    entry.GetProperty("data").Clone()));
            }

            continuation = page.RootElement.TryGetProperty("continuation", out var next) && next.ValueKind == JsonValueKind.String
                ? next.GetString()
                : null;
        }
        while (continuation is not null);

        return items;
    }

    /// <summary>Sends a host-neutral delivery (as the adapter tests build them) to <paramref name="path"/> over HTTP.</summary>
    public static async Task<Answer> PostAsync(this HttpClient client, string path, WebhookRequest request, HttpMethod? method = null)
    {
        var query = string.Join("&", request.Query.Select(q => Uri.EscapeDataString(q.Key) + "=" + Uri.EscapeDataString(q.Value)));
        using var message = new HttpRequestMessage(method ?? HttpMethod.Post, query.Length == 0 ? path : path + (path.Contains('?') ? "&" : "?") + query);
        var content = new ByteArrayContent(request.Body.ToArray());
        if (request.ContentType is not null)
        {
            content.Headers.ContentType = MediaTypeHeaderValue.Parse(request.ContentType);
        }

        message.Content = content;
        foreach (var (name, value) in request.Headers)
        {
            if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                content.Headers.ContentType = MediaTypeHeaderValue.Parse(value);
            }
            else
            {
                Assert.True(message.Headers.TryAddWithoutValidation(name, value), name);
            }
        }

        using var response = await client.SendAsync(message);
        return await Answer.ReadAsync(response);
    }

    public static Task<Answer> PostAsync(this HttpClient client, string path, byte[] body, string? contentType = "application/json",
        IReadOnlyDictionary<string, string>? headers = null) =>
        client.PostAsync(path, new WebhookRequest(body, headers ?? new Dictionary<string, string>(), new Dictionary<string, string>(), contentType));
}

/// <summary>A fully read HTTP answer: status, media type, headers and body text.</summary>
public sealed record Answer(HttpStatusCode Status, string? MediaType, string Body, IReadOnlyDictionary<string, string> Headers)
{
    public static async Task<Answer> ReadAsync(HttpResponseMessage response)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            headers[name] = string.Join(", ", values);
        }

        return new Answer(response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync(), headers);
    }

    public JsonElement Json => JsonDocument.Parse(Body).RootElement.Clone();

    /// <summary>Asserts an RFC 7807 answer with <paramref name="status"/> that names <paramref name="field"/>; returns the problem.</summary>
    public JsonElement AssertProblem(HttpStatusCode status, string field)
    {
        Assert.True(Status == status, $"expected {(int)status}, got {(int)Status}: {Body}");
        Assert.Equal("application/problem+json", MediaType);
        var problem = Json;
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.Equal(field, problem.GetProperty("field").GetString());
        Assert.StartsWith(field + ":", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        return problem;
    }

    /// <summary>Asserts a 202 and returns the accepted events.</summary>
    public IReadOnlyList<JsonElement> AssertAccepted(int count)
    {
        Assert.True(Status == HttpStatusCode.Accepted, $"expected 202, got {(int)Status}: {Body}");
        var body = Json;
        Assert.Equal("accepted", body.GetProperty("status").GetString());
        Assert.Equal(count, body.GetProperty("count").GetInt32());
        var events = body.GetProperty("events").EnumerateArray().ToList();
        Assert.Equal(count, events.Count);
        return events;
    }
}
