using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ReleaseGuardian.Infrastructure.Ingestion;

namespace ReleaseGuardian.Demo.Scenario;

/// <summary>The status of an orchestration instance (an evaluation or a training) as the Durable-compatible status route answers it.</summary>
/// <param name="RuntimeStatus">Pending, Running, Completed, Failed or Terminated.</param>
/// <param name="Step">The custom status step (querying-signals, judging, rolling-back, notifying, done; training, learning), when set.</param>
/// <param name="Detail">The custom status detail, when set.</param>
/// <param name="Output">The workflow's output once it finished.</param>
public sealed record WorkflowState(string RuntimeStatus, string? Step, string? Detail, JsonElement? Output);

/// <summary>
/// What a CI pipeline and an operator do against a Release Guardian host, over its public HTTP contract:
/// manage guardians (API key in <c>x-functions-key</c>), post k6 summaries and CloudEvents signed with
/// <c>X-Guardian-Signature</c>, start a baseline training, and follow an orchestration through its status route.
/// </summary>
public sealed class GuardianApiClient(HttpClient http, string apiKey, string k6Secret, string eventsSecret)
{
    /// <summary>The host's address.</summary>
    public Uri BaseAddress => http.BaseAddress!;

    /// <summary>Creates or replaces a guardian definition.</summary>
    public async Task PutGuardianAsync(string id, string definitionJson, CancellationToken cancellationToken)
    {
        using var request = Managed(HttpMethod.Put, $"api/guardians/{Uri.EscapeDataString(id)}");
        request.Content = new StringContent(definitionJson, Encoding.UTF8, "application/json");
        using var response = await http.SendAsync(request, cancellationToken);
        await EnsureAsync(response, $"PUT guardian '{id}'", cancellationToken);
    }

    /// <summary>
    /// Posts a k6 handleSummary JSON the way a k6 <c>handleSummary</c> hook does, and returns the started
    /// workflow's instance id.
    /// </summary>
    public async Task<string> PostK6SummaryAsync(
        string guardianId, string purpose, string testId, DateTimeOffset start, DateTimeOffset end, byte[] summary, CancellationToken cancellationToken)
    {
        var query = string.Join('&',
            $"guardian={Uri.EscapeDataString(guardianId)}",
            $"purpose={Uri.EscapeDataString(purpose)}",
            $"testId={Uri.EscapeDataString(testId)}",
            $"start={Uri.EscapeDataString(start.UtcDateTime.ToString("O", CultureInfo.InvariantCulture))}",
            $"end={Uri.EscapeDataString(end.UtcDateTime.ToString("O", CultureInfo.InvariantCulture))}");
        using var request = Signed($"api/webhooks/loadtests/k6?{query}", summary, "application/json", k6Secret);
        using var response = await http.SendAsync(request, cancellationToken);
        await EnsureAsync(response, $"POST k6 summary '{testId}'", cancellationToken);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return body.RootElement.GetProperty("events")[0].GetProperty("instanceId").GetString()
               ?? throw new InvalidOperationException($"the k6 summary '{testId}' was accepted but started no workflow");
    }

    /// <summary>Posts one structured CloudEvent (<c>application/cloudevents+json</c>), signed.</summary>
    public async Task PostCloudEventAsync(byte[] cloudEvent, CancellationToken cancellationToken)
    {
        using var request = Signed("api/events", cloudEvent, "application/cloudevents+json", eventsSecret);
        using var response = await http.SendAsync(request, cancellationToken);
        await EnsureAsync(response, "POST the flag-change CloudEvent", cancellationToken);
    }

    /// <summary>
    /// Starts the guardian's baseline training (<c>POST /api/guardians/{id}/training</c>) and returns the training
    /// instance's id and its <c>statusQueryGetUri</c> from the check-status payload.
    /// </summary>
    public async Task<(string InstanceId, Uri StatusUri)> StartTrainingAsync(string guardianId, int runs, int timeoutMinutes, CancellationToken cancellationToken)
    {
        using var request = Managed(HttpMethod.Post, $"api/guardians/{Uri.EscapeDataString(guardianId)}/training");
        request.Content = new StringContent(
            string.Create(CultureInfo.InvariantCulture, $$"""{"runs":{{runs}},"timeoutMinutes":{{timeoutMinutes}}}"""), Encoding.UTF8, "application/json");
        using var response = await http.SendAsync(request, cancellationToken);
        await EnsureAsync(response, $"POST the training of '{guardianId}'", cancellationToken);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        var instanceId = body.RootElement.GetProperty("id").GetString()
                         ?? throw new InvalidOperationException("the training started without an instance id");
        var statusUri = body.RootElement.GetProperty("statusQueryGetUri").GetString()
                        ?? throw new InvalidOperationException("the training's check-status payload has no statusQueryGetUri");
        return (instanceId, new Uri(statusUri, UriKind.Absolute));
    }

    /// <summary>
    /// Starts a release of the guardian's flag (<c>POST /api/guardians/{id}/releases</c> with the plan) and returns the
    /// release instance's id and its <c>statusQueryGetUri</c> from the check-status payload.
    /// </summary>
    public async Task<(string InstanceId, Uri StatusUri)> StartReleaseAsync(string guardianId, string planJson, CancellationToken cancellationToken)
    {
        using var request = Managed(HttpMethod.Post, $"api/guardians/{Uri.EscapeDataString(guardianId)}/releases");
        request.Content = new StringContent(planJson, Encoding.UTF8, "application/json");
        using var response = await http.SendAsync(request, cancellationToken);
        await EnsureAsync(response, $"POST a release of '{guardianId}'", cancellationToken);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        var instanceId = body.RootElement.GetProperty("id").GetString()
                         ?? throw new InvalidOperationException("the release started without an instance id");
        var statusUri = body.RootElement.GetProperty("statusQueryGetUri").GetString()
                        ?? throw new InvalidOperationException("the release's check-status payload has no statusQueryGetUri");
        return (instanceId, new Uri(statusUri, UriKind.Absolute));
    }

    /// <summary>Polls the status route until the instance finished, reporting each new custom status.</summary>
    public Task<WorkflowState> WaitForWorkflowAsync(
        string instanceId, Action<WorkflowState>? onChange, TimeSpan timeout, CancellationToken cancellationToken) =>
        WaitForStatusAsync(new Uri($"runtime/webhooks/durabletask/instances/{Uri.EscapeDataString(instanceId)}", UriKind.Relative), onChange, timeout, cancellationToken);

    /// <summary>
    /// Polls a status URL (a check-status payload's <c>statusQueryGetUri</c>) until the instance finished, reporting each
    /// new custom status.
    /// </summary>
    public async Task<WorkflowState> WaitForStatusAsync(Uri statusUri, Action<WorkflowState>? onChange, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(statusUri);
        var instanceId = Uri.UnescapeDataString(statusUri.OriginalString[(statusUri.OriginalString.LastIndexOf('/') + 1)..]);
        var deadline = DateTime.UtcNow + timeout;
        WorkflowState? last = null;
        while (true)
        {
            using var request = Managed(HttpMethod.Get, statusUri);
            using var response = await http.SendAsync(request, cancellationToken);
            if (response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Accepted)
            {
                using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
                var state = StateOf(body.RootElement);
                if (last is null || state.RuntimeStatus != last.RuntimeStatus || state.Step != last.Step || state.Detail != last.Detail)
                {
                    onChange?.Invoke(state);
                    last = state;
                }

                if (state.RuntimeStatus is "Completed" or "Failed" or "Terminated" or "Canceled")
                {
                    return state;
                }
            }
            else if (response.StatusCode != HttpStatusCode.NotFound)
            {
                await EnsureAsync(response, $"GET the status of {instanceId}", cancellationToken);
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the workflow {instanceId} did not finish within {timeout.TotalSeconds:0} s (last status: {last?.RuntimeStatus ?? "not found"} {last?.Step})");
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    /// <summary>GETs a management route and returns its JSON body.</summary>
    public async Task<JsonElement> GetJsonAsync(string path, CancellationToken cancellationToken)
    {
        using var request = Managed(HttpMethod.Get, path);
        using var response = await http.SendAsync(request, cancellationToken);
        await EnsureAsync(response, $"GET {path}", cancellationToken);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return body.RootElement.Clone();
    }

    private static WorkflowState StateOf(JsonElement status)
    {
        string? step = null, detail = null;
        if (status.TryGetProperty("customStatus", out var custom) && custom.ValueKind == JsonValueKind.Object)
        {
            step = custom.TryGetProperty("step", out var s) ? s.GetString() : null;
            detail = custom.TryGetProperty("detail", out var d) ? d.GetString() : null;
        }

        JsonElement? output = status.TryGetProperty("output", out var o) && o.ValueKind != JsonValueKind.Null ? o.Clone() : null;
        return new WorkflowState(status.GetProperty("runtimeStatus").GetString() ?? "", step, detail, output);
    }

    private HttpRequestMessage Managed(HttpMethod method, string path) => Managed(method, new Uri(path, UriKind.Relative));

    private HttpRequestMessage Managed(HttpMethod method, Uri uri)
    {
        var request = new HttpRequestMessage(method, uri);
        request.Headers.Add("x-functions-key", apiKey);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return request;
    }

    private static HttpRequestMessage Signed(string path, byte[] body, string contentType, string secret)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        request.Headers.Add(GuardianSignature.HeaderName, GuardianSignature.Sign(secret, body));
        return request;
    }

    private static async Task EnsureAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new InvalidOperationException($"{what} failed: HTTP {(int)response.StatusCode} {body}");
        }
    }
}
