using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using ReleaseGuardian.Infrastructure.Tests.HttpApi;
using ReleaseGuardian.Server.Tests.Support;
using LoadTestDeliveries = ReleaseGuardian.Infrastructure.Tests.Ingestion.LoadTests.Deliveries;

namespace ReleaseGuardian.Server.Tests.Reliability;

/// <summary>
/// The second half of the hostile-input suite (issue 12, finding 4): lone surrogates in every JSON route, malformed
/// chunking, slow bodies and bodies the client abandons. None may reach a 5xx or an Error-level log entry.
/// </summary>
public sealed partial class HostileInputTests
{
    private const string EvaluationBody = """{"start":"2026-11-24T10:00:00Z","end":"2026-11-24T10:05:00Z","purpose":"training","runId":"r-1","signals":{"latency.p95":120,"errors.rate":0.01}}""";

    /// <summary>Every route that reads a JSON body, with a valid body to damage and whether the management key goes with it.</summary>
    public sealed record JsonRoute(string Name, string Method, string Path, byte[] Sample, bool Management, Route? Signed)
    {
        public override string ToString() => Name;
    }

    // Lazy: the webhook routes are declared in the other half of this partial class, whose initializers may run later.
    private static JsonRoute[] JsonRoutes => JsonRoutesOnce.Value;

    private static readonly Lazy<JsonRoute[]> JsonRoutesOnce = new(() =>
    [
        .. Routes!.Select(r => new JsonRoute(r.ToString(), "POST", r.Path, r.Sample, Management: false, Signed: r)),
        // Event Grid's validation handshake is answered before any signature is checked: the credential-free door.
        new JsonRoute("events:eventgrid-validation", "POST", "/api/events",
            LoadTestDeliveries.Payload("CloudEvents", "eventgrid-validation.json"), Management: false, Signed: null),
        new JsonRoute("put-guardian", "PUT", "/api/guardians/" + GuardianId,
            Encoding.UTF8.GetBytes(GuardianApiClient.Definition(GuardianId, GuardianApiClient.Flag("launchdarkly", "new-checkout", "default", "production"))),
            Management: true, Signed: null),
        new JsonRoute("evaluations", "POST", $"/api/guardians/{GuardianId}/evaluations", Encoding.UTF8.GetBytes(EvaluationBody), Management: true, Signed: null),
        new JsonRoute("invalidate", "POST", $"/api/guardians/{GuardianId}/runs/r-1/invalidate", """{"reason":"load generator was saturated"}"""u8.ToArray(), Management: true, Signed: null),
    ]);

    /// <summary>A body with one string (a value or a property name) carrying a lone surrogate, and the JSON path that names it.</summary>
    public sealed record SurrogateBody(JsonRoute Route, byte[] Body, string Field)
    {
        public override string ToString() => $"{Route} {Field}: {Encoding.UTF8.GetString(Body)[..Math.Min(Body.Length, 300)]}";
    }

    private static Gen<SurrogateBody> SurrogateBodies(JsonRoute route) =>
        LoneSurrogates.Into(route.Sample).Select(d => new SurrogateBody(route, d.Body, d.Field));

    private static HttpRequestMessage Message(JsonRoute route, byte[] body)
    {
        var message = new HttpRequestMessage(new HttpMethod(route.Method), route.Path) { Content = new ByteArrayContent(body) };
        if (route.Signed is { } signed)
        {
            var request = Request(new Delivery(signed, "lone surrogate", body, "application/json", Sign: true));
            foreach (var (name, value) in request.Headers)
            {
                Assert.True(message.Headers.TryAddWithoutValidation(name, value), name);
            }
        }

        message.Content.Headers.ContentType = new("application/json");
        if (route.Management)
        {
            message.Headers.Add("x-functions-key", GuardianServer.ApiKey);
        }

        return message;
    }

    private IReadOnlyList<string> ErrorLogs => _logs.Entries
        .Where(e => e.StartsWith("Error", StringComparison.Ordinal) || e.StartsWith("Critical", StringComparison.Ordinal))
        .ToList();

    [Fact]
    public async Task A_lone_surrogate_in_any_string_of_any_json_route_is_a_400_naming_its_json_path_never_a_5xx()
    {
        var server = await StartAsync();
        using var client = server.Anonymous();
        foreach (var route in JsonRoutes)
        {
            await SurrogateBodies(route).SampleAsync(async sample =>
            {
                using var message = Message(route, sample.Body);
                using var response = await client.SendAsync(message);
                var answer = await Answer.ReadAsync(response);
                Assert.True((int)answer.Status < 500, $"{(int)answer.Status} {answer.Body}\n{LastError}");
                if (answer.Status == HttpStatusCode.BadRequest && answer.Json.GetProperty("detail").GetString()!.Contains("surrogate", StringComparison.Ordinal))
                {
                    answer.AssertProblem(HttpStatusCode.BadRequest, sample.Field);
                }
                else
                {
                    // The only other fair answer is a signature refusal: these doors check the signature first.
                    Assert.True(answer.Status == HttpStatusCode.BadRequest, $"{(int)answer.Status} {answer.Body}");
                }
            }, iter: SurrogateIterationsPerRoute, threads: 2);
        }

        Assert.Empty(ErrorLogs);
    }

    /// <summary>Per route over HTTP; the same generator runs 10,000 times per route in-process (ApiRequestReaderTests).</summary>
    private static int SurrogateIterationsPerRoute =>
        int.TryParse(Environment.GetEnvironmentVariable("RELEASEGUARDIAN_HOSTILE_ITERATIONS"), out var n) ? n : 150;

    [Fact]
    public async Task A_valid_surrogate_pair_passes_the_lone_surrogate_check()
    {
        var server = await StartAsync();
        using var management = server.Management();
        var definition = JsonNode.Parse(GuardianApiClient.Definition("emoji"))!;
        definition["displayName"] = "@@";
        using var content = new StringContent(definition.ToJsonString().Replace("@@", @"Checkout \ud83d\ude00", StringComparison.Ordinal), Encoding.UTF8, "application/json");
        using var response = await management.PutAsync("/api/guardians/emoji", content);
        var answer = await Answer.ReadAsync(response);
        Assert.True(answer.Status == HttpStatusCode.Created, answer.Body);
        Assert.Equal("Checkout \U0001F600", answer.Json.GetProperty("definition").GetProperty("displayName").GetString());
    }

    private static readonly string[] MalformedChunks =
    [
        "ZZ\r\nabc\r\n0\r\n\r\n",           // not hex
        "5\r\nabc\r\n0\r\n\r\n",             // shorter than announced, then garbage where the CRLF belongs
        "3\r\nabcXY0\r\n\r\n",               // no CRLF after the data
        "-1\r\nabc\r\n0\r\n\r\n",            // negative size
        "FFFFFFFFFFFFFFFFFF\r\nabc\r\n",     // overflowing size
        "3\nabc\n0\n\n",                     // bare LF
    ];

    [Fact]
    public async Task A_malformed_chunked_body_is_a_400_at_every_route_never_a_5xx_nor_an_error_log()
    {
        var server = await StartAsync();
        var port = PortOf(server);
        foreach (var route in JsonRoutes)
        {
            foreach (var chunks in MalformedChunks)
            {
                var response = await SendRawAsync(port, Encoding.ASCII.GetBytes(Head(route, port, "Transfer-Encoding: chunked") + chunks));
                var status = StatusOf(response);
                Assert.True(status is 400 or null, $"{route} {chunks[..Math.Min(20, chunks.Length)]}: {response[..Math.Min(300, response.Length)]}\n{LastError}");
            }
        }

        Assert.Empty(ErrorLogs);
    }

    [Fact]
    public async Task Sixty_slow_bodies_at_once_are_answered_408_or_400_never_a_5xx_nor_an_error_log()
    {
        var server = await StartAsync();
        var port = PortOf(server);
        // Kestrel's minimum request body rate (240 bytes/s after a 5 s grace period) ends these: a body that
        // announces 10 KB and sends a byte a second.
        var answers = await Task.WhenAll(Enumerable.Range(0, 60).Select(async i =>
        {
            var route = JsonRoutes[i % JsonRoutes.Length];
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(IPAddress.Loopback, port);
            var stream = tcp.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes(Head(route, port, "Content-Length: 10000")));
            using var read = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var buffer = new byte[4096];
            var reading = stream.ReadAsync(buffer, read.Token).AsTask();
            while (!reading.IsCompleted && !read.IsCancellationRequested)
            {
                try
                {
                    await stream.WriteAsync("{"u8.ToArray());
                }
                catch (IOException)
                {
                    break;
                }

                await Task.WhenAny(reading, Task.Delay(1000));
            }

            try
            {
                var n = await reading;
                return (route.Name, Text: Encoding.Latin1.GetString(buffer, 0, n));
            }
            catch (IOException)
            {
                return (route.Name, Text: "");
            }
        }));

        foreach (var (route, text) in answers)
        {
            Assert.True(StatusOf(text) is 408 or 400, $"{route}: {text[..Math.Min(300, text.Length)]}\n{LastError}");
        }

        Assert.Empty(ErrorLogs);
    }

    [Fact]
    public async Task A_client_that_disconnects_mid_body_is_a_quiet_abort_without_an_error_log()
    {
        var server = await StartAsync();
        var port = PortOf(server);
        foreach (var route in JsonRoutes)
        {
            for (var i = 0; i < 3; i++)
            {
                using var tcp = new TcpClient();
                await tcp.ConnectAsync(IPAddress.Loopback, port);
                var stream = tcp.GetStream();
                await stream.WriteAsync(Encoding.ASCII.GetBytes(Head(route, port, "Content-Length: 100000")));
                await stream.WriteAsync(route.Sample.AsMemory(0, Math.Min(route.Sample.Length, 100)));
                await Task.Delay(20);
                if (i == 2)
                {
                    tcp.Client.LingerState = new LingerOption(true, 0); // a reset rather than a FIN
                }

                tcp.Close();
            }
        }

        // The server notices the loss asynchronously; a health answer after a pause shows it is still serving.
        await Task.Delay(500);
        using var client = server.Anonymous();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
        Assert.Empty(ErrorLogs);
    }

    private static string Head(JsonRoute route, int port, string framing) =>
        $"{route.Method} {route.Path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Type: application/json\r\n"
        + (route.Management ? $"x-functions-key: {GuardianServer.ApiKey}\r\n" : "")
        + framing + "\r\n\r\n";

    private static int PortOf(GuardianServer server)
    {
        using var probe = server.Anonymous();
        return probe.BaseAddress!.Port;
    }

    private static int? StatusOf(string response)
    {
        var match = StatusLine().Match(response);
        return match.Success ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : null;
    }
}
