using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using ReleaseGuardian.Application.Hosting;
using ReleaseGuardian.Cli.Client;
using ReleaseGuardian.Infrastructure.Ingestion;
using Spectre.Console;

namespace ReleaseGuardian.Cli.Commands;

/// <summary>
/// <c>guardian send &lt;file&gt; [--to events|flags/&lt;provider&gt;|loadtests/&lt;tool&gt;] [--secret S] [--guardian g
/// --purpose p --start t --end t --test-id id]</c>: posts a file's exact bytes to an inbound door, signed with
/// <c>X-Guardian-Signature</c> when a secret is given, and prints what the server accepted. Exit code: 0 on a
/// 2xx answer, 3 otherwise. Neither the secret nor the signature is ever printed.
/// </summary>
public static class SendCommand
{
    private const int Sent = 0;

    /// <summary>Builds the command; results go to <paramref name="output"/>, problems to <paramref name="error"/>.</summary>
    public static Command Create(TextWriter output, TextWriter error)
    {
        var fileArgument = new Argument<string>("file")
        {
            Description = "The body to send: a CloudEvent or batch, a flag-service webhook body, or a load-test result.",
        };
        var toOption = new Option<string>("--to")
        {
            Description = "events (default: POST /api/events), flags/<provider> or loadtests/<tool>.",
            DefaultValueFactory = _ => "events",
        };
        var secretOption = new Option<string?>("--secret")
        {
            Description = $"Sign the body as X-Guardian-Signature: sha256=<hex HMAC-SHA256> with this secret (the server's Webhooks:<sender>:Secret). Default: ${GuardianConnection.WebhookSecretVariable}",
        };
        var guardianOption = new Option<string?>("--guardian") { Description = "loadtests only: the guardian the result belongs to (query parameter guardian)." };
        var purposeOption = new Option<string?>("--purpose") { Description = "loadtests only: training or validation (query parameter purpose)." };
        purposeOption.AcceptOnlyFromAmong("training", "validation");
        var startOption = new Option<string?>("--start") { Description = "loadtests only: start of the measured window, ISO 8601 (query parameter start)." };
        var endOption = new Option<string?>("--end") { Description = "loadtests only: end of the measured window, ISO 8601 (query parameter end)." };
        var testIdOption = new Option<string?>("--test-id") { Description = "loadtests only: the test run's id, for tools whose output lacks one (query parameter testId)." };
        foreach (var time in new[] { startOption, endOption })
        {
            time.Validators.Add(result =>
            {
                var value = result.GetValueOrDefault<string?>();
                if (value is not null && !DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _))
                {
                    result.AddError($"{time.Name}: '{value}' is not an ISO 8601 time such as 2026-11-24T10:00:00Z");
                }
            });
        }

        var outputOption = OutputOption.TableOrJson("the server's answer");
        var connection = new ConnectionOptions();

        var command = new Command("send", "Send an event, webhook body or load-test result to the server. Exit code: 0 accepted, 3 rejected or bad input.")
        {
            fileArgument,
            toOption,
            secretOption,
            guardianOption,
            purposeOption,
            startOption,
            endOption,
            testIdOption,
            outputOption,
        };

        // The standalone server authenticates deliveries by their signature alone; a Functions app may also put a
        // function key on its inbound doors, so a key, when given, is sent the same way as for the other commands.
        connection.AddTo(command);
        command.SetAction(parseResult =>
        {
            var target = DeliveryTarget.Parse(parseResult.GetValue(toOption) ?? "events");
            if (target.Problem is not null)
            {
                error.WriteLine($"error: --to: {target.Problem}");
                return ExitCodes.BadInput;
            }

            var query = new List<(string Option, string Parameter, string? Value)>
            {
                ("--guardian", "guardian", parseResult.GetValue(guardianOption)),
                ("--purpose", "purpose", parseResult.GetValue(purposeOption)),
                ("--start", "start", parseResult.GetValue(startOption)),
                ("--end", "end", parseResult.GetValue(endOption)),
                ("--test-id", "testId", parseResult.GetValue(testIdOption)),
            }.Where(q => q.Value is not null).Select(q => (q.Option, q.Parameter, q.Value!)).ToList();
            if (target.Kind != DeliveryKind.LoadTest && query.Count > 0)
            {
                error.WriteLine($"error: {query[0].Option}: applies only to --to loadtests/<tool>; a {target.Describe()} carries it in its body");
                return ExitCodes.BadInput;
            }

            var secret = parseResult.GetValue(secretOption);
            if (string.IsNullOrEmpty(secret))
            {
                secret = Environment.GetEnvironmentVariable(GuardianConnection.WebhookSecretVariable);
            }

            return connection.Run(parseResult, error, client => ExecuteAsync(
                client,
                parseResult.GetValue(fileArgument)!,
                target,
                [.. query.Select(q => (q.Parameter, q.Item3))],
                string.IsNullOrEmpty(secret) ? null : secret,
                parseResult.GetValue(outputOption) ?? "table",
                output,
                error,
                CancellationToken.None));
        });
        return command;
    }

    /// <summary>Reads the file, posts it (signed when <paramref name="secret"/> is given), prints the answer and returns the exit code.</summary>
    public static async Task<int> ExecuteAsync(
        GuardianClient client,
        string file,
        DeliveryTarget target,
        IReadOnlyList<(string Name, string Value)> query,
        string? secret,
        string outputFormat,
        TextWriter output,
        TextWriter error,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);

        byte[] body;
        try
        {
            body = await File.ReadAllBytesAsync(file, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            error.WriteLine(e is FileNotFoundException or DirectoryNotFoundException
                ? $"error: file: not found: {file}"
                : $"error: file: cannot read {file}: {e.Message}");
            return ExitCodes.BadInput;
        }

        var contentType = ContentTypeOf(body);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (secret is not null)
        {
            headers[GuardianSignature.HeaderName] = GuardianSignature.Sign(secret, body);
        }

        var path = target.Path + (query.Count == 0 ? "" : "?" + string.Join('&', query.Select(q => $"{q.Name}={Uri.EscapeDataString(q.Value)}")));
        var answer = await client.PostDeliveryAsync(path, body, contentType, headers, cancellationToken).ConfigureAwait(false);
        var signed = secret is null ? "unsigned" : $"signed with {GuardianSignature.HeaderName}";
        var sent = $"Sent {body.Length} bytes to /{target.Path} as {contentType}, {signed}: {answer.StatusCode} {answer.ReasonPhrase}";

        if (!answer.IsSuccess)
        {
            error.WriteLine(sent);
            ServerOutput.WriteProblem(error, answer, answer.StatusCode == 401 && secret is null && target.Kind != DeliveryKind.Flag
                ? $"pass --secret or set {GuardianConnection.WebhookSecretVariable} to the server's Webhooks:{target.Signer}:Secret"
                : null);
            return ExitCodes.BadInput;
        }

        if (outputFormat == "json")
        {
            output.WriteLine(answer.Json is { } json ? Json.Indented(json) : ServerOutput.Redacted(answer.Body));
            return Sent;
        }

        var console = ServerOutput.CreateConsole(output);
        console.WriteLine(sent);
        var delivery = answer.Json is { } document ? DeliveryAnswer.From(document) : new DeliveryAnswer(null, null, []);
        if (delivery.Status == "ignored")
        {
            console.WriteLine($"Ignored: {delivery.Reason}");
        }
        else if (delivery.Events.Count > 0)
        {
            console.WriteLine($"Accepted {delivery.Events.Count} event{(delivery.Events.Count == 1 ? "" : "s")}:");
            var table = new Table().Border(TableBorder.Rounded);
            table.AddColumn("Type");
            table.AddColumn("Event id");
            table.AddColumn("Guardian");
            table.AddColumn("Instance");
            table.AddColumn("Status query");
            foreach (var e in delivery.Events)
            {
                table.AddRow(
                    new Text(e.Type ?? "-"),
                    new Text(e.Id ?? "-"),
                    new Text(e.Guardian ?? "-"),
                    new Text(e.InstanceId ?? "-"),
                    new Text(e.StatusQueryGetUri is null ? "-" : ServerOutput.Redacted(e.StatusQueryGetUri)));
            }

            console.Write(table);
            foreach (var instance in delivery.Events.Select(e => e.InstanceId).OfType<string>().Distinct(StringComparer.Ordinal))
            {
                console.WriteLine($"Follow it: guardian status {instance} --wait");
            }
        }
        else if (!string.IsNullOrWhiteSpace(answer.Body))
        {
            console.WriteLine(answer.Json is { } json ? Json.Indented(json) : ServerOutput.Redacted(answer.Body));
        }

        return Sent;
    }

    /// <summary>
    /// The Content-Type for a body: <c>application/cloudevents+json</c> for a structured CloudEvent (a JSON object
    /// with <c>specversion</c>), <c>application/cloudevents-batch+json</c> for a non-empty array of them, and
    /// <c>application/json</c> for anything else (webhook bodies, load-test results, and text that is not JSON,
    /// which the server then rejects naming the problem).
    /// </summary>
    public static string ContentTypeOf(ReadOnlySpan<byte> body)
    {
        const string Json = "application/json";
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            return root.ValueKind switch
            {
                JsonValueKind.Object when IsCloudEvent(root) => "application/cloudevents+json",
                JsonValueKind.Array when root.GetArrayLength() > 0 && root.EnumerateArray().All(IsCloudEvent) => "application/cloudevents-batch+json",
                _ => Json,
            };
        }
        catch (JsonException)
        {
            return Json;
        }
    }

    private static bool IsCloudEvent(JsonElement element) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty("specversion", out _);
}


/// <summary>What <c>--to</c> names.</summary>
public enum DeliveryKind
{
    /// <summary><c>POST /api/events</c>.</summary>
    Events,

    /// <summary><c>POST /api/webhooks/flags/{provider}</c>.</summary>
    Flag,

    /// <summary><c>POST /api/webhooks/loadtests/{tool}</c>.</summary>
    LoadTest,
}

/// <summary>A parsed <c>--to</c>: the route to post to and whose secret signs it.</summary>
/// <param name="Kind">Which door.</param>
/// <param name="Signer">The configuration name of the sender's secret: <c>events</c>, the provider or the tool.</param>
/// <param name="Path">The route relative to the server, e.g. <c>api/webhooks/loadtests/k6</c>.</param>
/// <param name="Problem">Why <c>--to</c> is invalid; null when it is valid.</param>
public sealed partial record DeliveryTarget(DeliveryKind Kind, string Signer, string Path, string? Problem = null)
{
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex SenderName();

    /// <summary>Parses <c>events</c>, <c>flags/&lt;provider&gt;</c> or <c>loadtests/&lt;tool&gt;</c>.</summary>
    public static DeliveryTarget Parse(string to)
    {
        ArgumentNullException.ThrowIfNull(to);
        var text = to.Trim().Trim('/');
        if (text.Equals("events", StringComparison.OrdinalIgnoreCase))
        {
            return new DeliveryTarget(DeliveryKind.Events, "events", HttpRoutes.Events);
        }

        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var (kind, name) = slash < 0 ? (text, "") : (text[..slash], text[(slash + 1)..]);
        var problem = $"'{to}' must be events, flags/<provider> (e.g. flags/launchdarkly) or loadtests/<tool> (e.g. loadtests/k6)";
        if (!SenderName().IsMatch(name))
        {
            return new DeliveryTarget(DeliveryKind.Events, "events", HttpRoutes.Events, problem);
        }

        return kind.ToLowerInvariant() switch
        {
            "flags" => new DeliveryTarget(DeliveryKind.Flag, name, GuardianClient.Route(HttpRoutes.FlagWebhook, ("provider", name))),
            "loadtests" => new DeliveryTarget(DeliveryKind.LoadTest, name, GuardianClient.Route(HttpRoutes.LoadTestWebhook, ("tool", name))),
            _ => new DeliveryTarget(DeliveryKind.Events, "events", HttpRoutes.Events, problem),
        };
    }

    /// <summary>The door in words, for messages.</summary>
    public string Describe() => Kind switch
    {
        DeliveryKind.Flag => $"flag webhook ({Signer})",
        DeliveryKind.LoadTest => $"load-test result ({Signer})",
        _ => "CloudEvent",
    };
}
