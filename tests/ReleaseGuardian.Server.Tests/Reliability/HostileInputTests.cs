using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using CsCheck;
using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Infrastructure.Ingestion;
using ReleaseGuardian.Server.Tests.Support;
using ReleaseGuardian.Testing;
using FlagDeliveries = ReleaseGuardian.Infrastructure.Tests.Ingestion.Flags.FlagDeliveries;
using LoadTestDeliveries = ReleaseGuardian.Infrastructure.Tests.Ingestion.LoadTests.Deliveries;

namespace ReleaseGuardian.Server.Tests.Reliability;

/// <summary>
/// Hostile input over real HTTP at every webhook route (all flag providers, all load-test tools) and at /api/events:
/// arbitrary bytes, huge numbers, deep JSON, wrong encodings, wrong content types, and header injection over raw TCP.
/// Bodies are signed correctly most of the time, so the parsers behind the signature check see them too.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed partial class HostileInputTests(AzuriteFixture azurite) : IDisposable
{
    private const string GuardianId = "checkout";
    private const string EventsSecret = "events-hostile-secret";
    private const string LoadTestSecret = "lt-hostile-secret";
    private const int Iterations = 150;

    private static readonly Dictionary<string, string> LoadTestSamples = new()
    {
        ["k6"] = "k6-handle-summary.json",
        ["jmeter"] = "jmeter-statistics.json",
        ["gatling"] = "gatling-stats.json",
        ["locust"] = "locust.json",
        ["artillery"] = "artillery-report.json",
        ["azureloadtesting"] = "azureloadtesting-run.json",
    };

    private static readonly string[] HugeNumbers =
    [
        "1e308", "-1e308", "1e309", "-1e400", "-0", "-0.0", "0e-400", "\"NaN\"", "\"Infinity\"", "\"-Infinity\"",
        "12345678901234567890", "-99999999999999999999", "1.7976931348623157e308", "4.9e-324", "123456789012345678901234567890.5",
        "\"1e308\"", "null", "true", "[]", "{}",
    ];

    private static readonly string[] ContentTypes =
    [
        "application/json", "application/cloudevents+json", "application/cloudevents-batch+json", "text/plain",
        "application/octet-stream", "application/json; charset=utf-16", "application/xml", "multipart/form-data; boundary=x", "a/b;;;=",
    ];

    private readonly CapturedLogs _logs = new();
    private GuardianServer? _server;

    private string LastError => _logs.Entries.LastOrDefault(e => e.StartsWith("Error", StringComparison.Ordinal) || e.StartsWith("Critical", StringComparison.Ordinal)) ?? "(no error logged)";

    /// <summary>One route: a flag provider, a load-test tool, or the CloudEvents door.</summary>
    public sealed record Route(string Kind, string Name)
    {
        public string Path => Kind switch
        {
            "flag" => $"/api/webhooks/flags/{Name}",
            "loadtest" => $"/api/webhooks/loadtests/{Name}?guardian={GuardianId}&start=2026-11-24T10:00:00Z&end=2026-11-24T10:01:00Z",
            _ => "/api/events",
        };

        public byte[] Sample => Kind switch
        {
            "flag" => FlagDeliveries.Sample(Name),
            "loadtest" => LoadTestDeliveries.LoadTestPayload(LoadTestSamples[Name]),
            _ => LoadTestDeliveries.Payload("CloudEvents", Name == "batch" ? "batch.json" : "flag-changed.structured.json"),
        };

        public override string ToString() => Kind + ":" + Name;
    }

    /// <summary>A hostile delivery: what kind of damage, the bytes, the content type, and whether it is signed correctly.</summary>
    public sealed record Delivery(Route Route, string Damage, byte[] Body, string? ContentType, bool Sign)
    {
        public override string ToString() =>
            $"{Route} {Damage} signed={Sign} type={ContentType ?? "(none)"} body[{Body.Length}]={Convert.ToHexString(Body.AsSpan(0, Math.Min(Body.Length, 48)))}";
    }

    private static readonly Route[] Routes =
    [
        .. FlagDeliveries.SampleFiles.Keys.Select(p => new Route("flag", p)),
        .. LoadTestSamples.Keys.Select(t => new Route("loadtest", t)),
        new Route("events", "structured"),
        new Route("events", "batch"),
    ];

    private static Gen<(string Damage, byte[] Body)> Damage(Route route) => Gen.OneOf(
        Gen.Byte.Array[0, 4096].Select(b => ("arbitrary bytes", b)),
        Gen.String.Select(s => ("arbitrary text", Encoding.UTF8.GetBytes(s))),
        Gen.Int[0, HugeNumbers.Length - 1].Select(i => ("number " + HugeNumbers[i], ReplaceNumbers(route.Sample, HugeNumbers[i]))),
        Gen.Int[1000, 10_000].Select(depth => ("nested arrays", Encoding.UTF8.GetBytes(new string('[', depth) + new string(']', depth)))),
        Gen.Int[1000, 10_000].Select(depth => ("nested objects", Encoding.UTF8.GetBytes(
            string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth)))),
        Gen.Const<(string, byte[])>(("utf-16", Encoding.Unicode.GetBytes(Encoding.UTF8.GetString(route.Sample)))),
        Gen.Const<(string, byte[])>(("utf-16 big-endian with BOM", [.. Encoding.BigEndianUnicode.GetPreamble(), .. Encoding.BigEndianUnicode.GetBytes(Encoding.UTF8.GetString(route.Sample))])),
        Gen.Const<(string, byte[])>(("utf-8 BOM", [.. Encoding.UTF8.GetPreamble(), .. route.Sample])),
        Gen.Int[0, route.Sample.Length].SelectMany(at => Gen.OneOfConst<byte[]>([0xFF], [0xC3, 0x28], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xC0, 0xAF], [0x00]).Select(bad =>
            ("invalid utf-8 at " + at, (byte[])[.. route.Sample.AsSpan(0, at), .. bad, .. route.Sample.AsSpan(at)]))),
        Gen.Int[0, route.Sample.Length].Select(cut => ("truncated at " + cut, route.Sample[..cut])));

    private static readonly Gen<Delivery> Deliveries =
        from route in Gen.OneOfConst(Routes)
        from damage in Damage(route)
        from contentType in Gen.Frequency((3, Gen.Const<string?>("application/json")), (2, Gen.OneOfConst(ContentTypes).Select(c => (string?)c)), (1, Gen.Const(0).Select(_ => (string?)null)))
        from sign in Gen.Frequency((4, Gen.Const(true)), (1, Gen.Const(false)))
        select new Delivery(route, damage.Damage, damage.Body, contentType, sign);

    private async Task<GuardianServer> StartAsync()
    {
        var settings = new List<(string, string?)> { ("Webhooks:events:Secret", EventsSecret) };
        settings.AddRange(FlagDeliveries.SampleFiles.Keys.Select(p => ($"Webhooks:{p}:Secret", (string?)FlagDeliveries.Secret)));
        settings.AddRange(LoadTestSamples.Keys.Select(t => ($"Webhooks:{t}:Secret", (string?)LoadTestSecret)));
        var all = new Dictionary<string, string?>(IngestionServer.Defaults);
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        _server = GuardianServer.Start(azurite.ConnectionString, all, _logs);
        using var management = _server.Management();
        await management.PutGuardianAsync(GuardianId, GuardianApiClient.Flag("launchdarkly", "new-checkout", "default", "production"));
        return _server;
    }

    private static WebhookRequest Request(Delivery delivery)
    {
        var body = delivery.Body;
        WebhookRequest request = delivery.Route.Kind switch
        {
            "flag" when delivery.Sign => FlagDeliveries.Signed(delivery.Route.Name, body, FlagDeliveries.Secret, DateTimeOffset.UtcNow),
            "loadtest" when delivery.Sign => Unsigned(body, new() { [GuardianSignature.HeaderName] = GuardianSignature.Sign(LoadTestSecret, body) }),
            "events" when delivery.Sign => Unsigned(body, new() { [GuardianSignature.HeaderName] = GuardianSignature.Sign(EventsSecret, body) }),
            _ => Unsigned(body, new() { ["X-LD-Signature"] = "00" }),
        };
        return request with { ContentType = delivery.ContentType };
    }

    /// <summary>Posts without validating the content type or header values (HttpClient would refuse the odd ones).</summary>
    private static async Task<Answer> PostAsync(HttpClient client, string path, WebhookRequest request)
    {
        var query = string.Join("&", request.Query.Select(q => Uri.EscapeDataString(q.Key) + "=" + Uri.EscapeDataString(q.Value)));
        using var message = new HttpRequestMessage(HttpMethod.Post, query.Length == 0 ? path : path + (path.Contains('?') ? "&" : "?") + query);
        message.Content = new ByteArrayContent(request.Body.ToArray());
        if (request.ContentType is not null)
        {
            Assert.True(message.Content.Headers.TryAddWithoutValidation("Content-Type", request.ContentType));
        }

        foreach (var (name, value) in request.Headers)
        {
            Assert.True(message.Headers.TryAddWithoutValidation(name, value), name);
        }

        using var response = await client.SendAsync(message);
        return await Answer.ReadAsync(response);
    }

    private static WebhookRequest Unsigned(byte[] body, Dictionary<string, string> headers) =>
        new(body, headers, new Dictionary<string, string>(), "application/json");

    [Fact]
    public async Task Hostile_bodies_at_every_webhook_route_and_api_events_are_never_answered_5xx_and_leave_nothing_half_stored()
    {
        var server = await StartAsync();
        using var client = server.Anonymous();
        using var management = server.Management();
        var before = await management.TimelineAsync(GuardianId);
        var accepted = new ConcurrentBag<string>();

        await Deliveries.SampleAsync(async delivery =>
        {
            var answer = await PostAsync(client, delivery.Route.Path, Request(delivery));
            Assert.True((int)answer.Status < 500, $"{(int)answer.Status} {answer.Body}\n{LastError}");
            Assert.DoesNotContain("   at ", answer.Body, StringComparison.Ordinal);
            if (answer.Status == HttpStatusCode.Accepted && answer.Json.TryGetProperty("events", out var events))
            {
                foreach (var e in events.EnumerateArray())
                {
                    accepted.Add(e.GetProperty("id").GetString()!);
                }
            }
            else if (answer.Status != HttpStatusCode.Accepted && answer.Status != HttpStatusCode.OK)
            {
                // A refusal is a problem document that names what was wrong.
                Assert.Equal("application/problem+json", answer.MediaType);
                Assert.False(string.IsNullOrWhiteSpace(answer.Json.GetProperty("detail").GetString()), answer.Body);
            }
        }, iter: Iterations, threads: 2);

        // Only deliveries that were accepted in full left anything on the guardian's timeline.
        var after = await management.TimelineAsync(GuardianId);
        var added = after.Select(e => e.Id).Except(before.Select(e => e.Id)).ToList();
        Assert.All(added, id => Assert.Contains(id, accepted));

        // The same in storage, for every sender: each stored event was answered 202, and each is complete: either one
        // entity holding its raw payload (time from the payload) or an event row with the de-dup marker pointing at it.
        var (events, incomplete) = await StoredEventsAsync(server);
        Assert.All(events, id => Assert.Contains(id, accepted));
        Assert.Empty(incomplete);
    }

    [Fact]
    public async Task Every_string_value_blown_up_past_what_storage_holds_in_a_property_is_refused_by_name_or_stored_whole_never_a_5xx()
    {
        // Table properties hold 32K characters: ids, names and actors a sender controls must never reach one whole.
        var server = await StartAsync();
        using var client = server.Anonymous();
        var answers = new List<string>();
        foreach (var route in Routes)
        {
            var body = ReplaceStrings(route.Sample, new string('x', 40_000));
            var answer = await PostAsync(client, route.Path, Request(new Delivery(route, "huge strings", body, "application/json", Sign: true)));

            Assert.True((int)answer.Status < 500, $"{route}: {(int)answer.Status} {answer.Body}\n{LastError}");
            if (answer.Status != HttpStatusCode.Accepted && answer.Status != HttpStatusCode.OK)
            {
                Assert.Equal("application/problem+json", answer.MediaType);
                Assert.False(string.IsNullOrWhiteSpace(answer.Json.GetProperty("detail").GetString()), answer.Body);
            }

            answers.Add($"{route} {(int)answer.Status}");
        }

        // At least the doors whose ids come from the body refuse an id that long, naming it.
        Assert.Contains(answers, a => a.EndsWith(" 400", StringComparison.Ordinal));
        var (_, incomplete) = await StoredEventsAsync(server);
        Assert.Empty(incomplete);
    }

    private async Task<(List<string> EventIds, List<string> Incomplete)> StoredEventsAsync(GuardianServer server)
    {
        var table = azurite.Tables().GetTableClient(server.Prefix + "Events");
        var events = new List<string>();
        var rows = new List<Azure.Data.Tables.TableEntity>();
        var markedRows = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            await foreach (var row in table.QueryAsync<Azure.Data.Tables.TableEntity>())
            {
                if (row.GetString("EventId") is { } id)
                {
                    events.Add(id);
                    rows.Add(row);
                }
                else if (row.GetString("EventRowKey") is { } eventRowKey)
                {
                    markedRows.Add(row.PartitionKey + "/" + eventRowKey);
                }
            }
        }
        catch (Azure.RequestFailedException e) when (e.Status == 404)
        {
            // Nothing was ever accepted, so the table was never created.
        }

        var incomplete = rows
            .Where(r => !r.ContainsKey("RawLength") && !markedRows.Contains(r.PartitionKey + "/" + r.RowKey))
            .Select(r => r.PartitionKey + "/" + r.RowKey)
            .ToList();
        return (events, incomplete);
    }

    /// <summary>Header values the raw socket sends byte for byte (HttpClient refuses most of them).</summary>
    private static readonly Gen<byte[]> HostileHeaderValues = Gen.OneOf(
        Gen.Byte.Array[0, 200],
        Gen.Const("abc\r\nX-Injected: yes"u8.ToArray()),
        Gen.Const("abc\nX-Injected: yes"u8.ToArray()),
        Gen.Const("abc\rX-Injected: yes"u8.ToArray()),
        Gen.Const("abc\0def"u8.ToArray()),
        Gen.Const(new byte[] { 0x01, 0x02, 0x1B, 0x5B, 0x33, 0x31, 0x6D, 0x7F }),
        Gen.Const(new byte[] { 0x63, 0x61, 0x66, 0xC3, 0xA9 }),
        Gen.Const(new byte[] { 0x63, 0x61, 0x66, 0xE9 }),
        Gen.Int[8_000, 70_000].Select(n => Encoding.ASCII.GetBytes(new string('a', n))));

    private static readonly string[] HeaderNames =
    [
        "X-LD-Signature", "X-Guardian-Signature", "X-Hub-Signature-256", "X-ConfigCat-Webhook-Timestamp", "Authorization",
        "Content-Type", "X-Guardian-Guardian", "X-Guardian-Purpose", "WebHook-Request-Origin", "ce-id", "ce-type", "aeg-event-type",
    ];

    [Fact]
    public async Task Header_injection_control_characters_and_oversized_headers_never_get_a_5xx_or_a_reflected_header()
    {
        var server = await StartAsync();
        int port;
        using (var probe = server.Anonymous())
        {
            port = probe.BaseAddress!.Port;
        }

        var gen =
            from route in Gen.OneOfConst(Routes)
            from name in Gen.OneOfConst(HeaderNames)
            from value in HostileHeaderValues
            from method in Gen.Frequency((4, Gen.Const("POST")), (1, Gen.Const("OPTIONS")))
            select (route, name, value, method);

        await gen.SampleAsync(async sample =>
        {
            var (route, name, value, method) = sample;
            var body = route.Sample;
            var path = method == "OPTIONS" ? "/api/events" : route.Path;
            var head = new MemoryStream();
            head.Write(Encoding.ASCII.GetBytes($"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n"));
            if (method == "OPTIONS" && !name.Equals("WebHook-Request-Origin", StringComparison.OrdinalIgnoreCase))
            {
                head.Write("WebHook-Request-Origin: eventgrid.azure.net\r\n"u8);
            }

            head.Write(Encoding.ASCII.GetBytes(name + ": "));
            head.Write(value);
            head.Write(Encoding.ASCII.GetBytes($"\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n"));
            head.Write(body);

            var response = await SendRawAsync(port, head.ToArray());
            if (response.Length == 0)
            {
                return; // The server closed the connection on a malformed request: no answer is no 5xx.
            }

            var status = StatusLine().Match(response);
            Assert.True(status.Success, response[..Math.Min(200, response.Length)]);
            Assert.True(int.Parse(status.Groups[1].Value, CultureInfo.InvariantCulture) < 500, response + "\n" + LastError);
            var headers = response[..Math.Max(0, response.IndexOf("\r\n\r\n", StringComparison.Ordinal))];
            Assert.DoesNotContain("X-Injected", headers, StringComparison.OrdinalIgnoreCase);
        }, iter: Iterations, threads: 2, print: t => $"{t.route} {t.method} {t.name}: {Convert.ToHexString(t.value.AsSpan(0, Math.Min(t.value.Length, 64)))} ({t.value.Length} bytes)");

        using var management = server.Management();
        // None of these deliveries carried a valid credential, so nothing may have been stored.
        Assert.Empty(await management.TimelineAsync(GuardianId));
    }

    private static async Task<string> SendRawAsync(int port, byte[] request)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        var stream = tcp.GetStream();
        try
        {
            await stream.WriteAsync(request);
        }
        catch (IOException)
        {
            // Kestrel may answer and close before it has read everything (431, 400); read what it said.
        }

        using var buffer = new MemoryStream();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var chunk = new byte[8192];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(chunk, timeout.Token)) > 0)
            {
                buffer.Write(chunk, 0, read);
            }
        }
        catch (IOException)
        {
            // Connection reset after the answer.
        }

        return Encoding.Latin1.GetString(buffer.ToArray());
    }

    [GeneratedRegex(@"^HTTP/1\.[01] (\d{3})")]
    private static partial Regex StatusLine();

    [GeneratedRegex(@"(?<=[:\[,]\s*)-?\d+(\.\d+)?([eE][+-]?\d+)?(?=\s*[,\]\}])")]
    private static partial Regex JsonNumber();

    /// <summary>The sample with every JSON number replaced by <paramref name="literal"/>.</summary>
    // Every string value (not property names) of a JSON sample; a sample that is not JSON stays as it is.
    private static byte[] ReplaceStrings(byte[] sample, string value)
    {
        System.Text.Json.Nodes.JsonNode? Walk(System.Text.Json.Nodes.JsonNode? node) => node switch
        {
            System.Text.Json.Nodes.JsonObject o => new System.Text.Json.Nodes.JsonObject(o.Select(p => KeyValuePair.Create(p.Key, Walk(p.Value)))),
            System.Text.Json.Nodes.JsonArray a => new System.Text.Json.Nodes.JsonArray(a.Select(Walk).ToArray()),
            System.Text.Json.Nodes.JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.String => System.Text.Json.Nodes.JsonValue.Create(value),
            _ => node?.DeepClone(),
        };

        try
        {
            return Encoding.UTF8.GetBytes(Walk(System.Text.Json.Nodes.JsonNode.Parse(sample))!.ToJsonString());
        }
        catch (System.Text.Json.JsonException)
        {
            return sample;
        }
    }

    private static byte[] ReplaceNumbers(byte[] sample, string literal) =>
        Encoding.UTF8.GetBytes(JsonNumber().Replace(Encoding.UTF8.GetString(sample), literal));

    public void Dispose() => _server?.Dispose();
}
