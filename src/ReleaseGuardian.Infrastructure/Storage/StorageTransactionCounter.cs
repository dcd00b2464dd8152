using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Azure.Core;
using Azure.Core.Pipeline;

namespace ReleaseGuardian.Infrastructure.Storage;

/// <summary>
/// Counts storage transactions (HTTP requests, retries included, as billed) that pass through the Table and
/// Queue clients, in total and per resource and operation, e.g. <c>Events:batch</c>, <c>Runs:read</c>,
/// <c>guardian-events:send</c>, <c>Tables:create</c>. Added per retry to the clients' pipelines by
/// <see cref="StorageServiceCollectionExtensions.AddTableStorage"/>.
/// </summary>
/// <remarks>
/// Table operations: <c>read</c> (point read), <c>query</c>, <c>insert</c>, <c>replace</c> (PUT: update or upsert),
/// <c>merge</c>, <c>delete</c>, <c>batch</c> (an entity group transaction; counted once, under the table its first
/// action names). Queue operations: <c>create</c>, <c>send</c>, <c>receive</c>, <c>peek</c>, <c>delete</c>,
/// <c>update</c>, <c>get</c>.
/// </remarks>
public sealed partial class StorageTransactionCounter : HttpPipelineSynchronousPolicy
{
    private readonly ConcurrentDictionary<string, StrongBox> _counts = new(StringComparer.Ordinal);
    private long _total;

    /// <summary>Requests counted since creation or the last <see cref="Reset"/>.</summary>
    public long Total => Interlocked.Read(ref _total);

    /// <summary>Requests against one resource (table or queue name), optionally of one operation.</summary>
    public long Count(string resource, string? operation = null)
    {
        if (operation is not null)
        {
            return _counts.TryGetValue(resource + ":" + operation, out var box) ? Interlocked.Read(ref box.Value) : 0;
        }

        long sum = 0;
        foreach (var (key, box) in _counts)
        {
            if (key.StartsWith(resource + ":", StringComparison.Ordinal))
            {
                sum += Interlocked.Read(ref box.Value);
            }
        }

        return sum;
    }

    /// <summary>The counts so far, keyed <c>resource:operation</c>.</summary>
    public IReadOnlyDictionary<string, long> Snapshot() =>
        _counts.ToDictionary(kv => kv.Key, kv => Interlocked.Read(ref kv.Value.Value), StringComparer.Ordinal);

    /// <summary>Starts counting from zero.</summary>
    public void Reset()
    {
        _counts.Clear();
        Interlocked.Exchange(ref _total, 0);
    }

    /// <inheritdoc />
    public override void OnSendingRequest(HttpMessage message)
    {
        var (resource, operation) = Classify(message.Request);
        Interlocked.Increment(ref _total);
        var box = _counts.GetOrAdd(resource + ":" + operation, _ => new StrongBox());
        Interlocked.Increment(ref box.Value);
    }

    internal static (string Resource, string Operation) Classify(Request request)
    {
        var uri = request.Uri.ToUri();
        var segments = uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        // Path-style endpoints (Azurite, the emulator) put the account name first.
        var skip = IPAddress.TryParse(uri.Host, out _) || uri.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase) ? 1 : 0;
        segments = segments.Length > skip ? segments[skip..] : [];
        var method = request.Method.Method.ToUpperInvariant();
        if (segments.Length == 0)
        {
            return ("account", method.ToLowerInvariant());
        }

        var first = Uri.UnescapeDataString(segments[0]);
        if (first == "$batch")
        {
            return (BatchTable(request) ?? "$batch", "batch");
        }

        if (first.StartsWith("Tables", StringComparison.Ordinal))
        {
            return ("Tables", method switch { "POST" => "create", "DELETE" => "delete", _ => "query" });
        }

        if (segments.Length >= 2 && segments[1] == "messages")
        {
            var query = uri.Query;
            return (first, method switch
            {
                "POST" => "send",
                "GET" when query.Contains("peekonly=true", StringComparison.OrdinalIgnoreCase) => "peek",
                "GET" => "receive",
                "DELETE" => "delete",
                "PUT" => "update",
                _ => method.ToLowerInvariant(),
            });
        }

        var paren = first.IndexOf('(', StringComparison.Ordinal);
        if (paren >= 0)
        {
            var table = first[..paren];
            var pointed = first.Contains("PartitionKey=", StringComparison.Ordinal);
            return (table, method switch
            {
                "GET" => pointed ? "read" : "query",
                "PUT" => "replace",
                "PATCH" or "MERGE" => "merge",
                "DELETE" => "delete",
                "POST" => "insert",
                _ => method.ToLowerInvariant(),
            });
        }

        return (first, method switch
        {
            // A table insert and a queue create both name the resource alone; a queue has lowercase names with hyphens.
            "POST" => "insert",
            "PUT" => "create",
            "GET" => IsQueueName(first) ? "get" : "query",
            "DELETE" => "delete",
            _ => method.ToLowerInvariant(),
        });
    }

    private static bool IsQueueName(string name) => name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-');

    private static string? BatchTable(Request request)
    {
        if (request.Content is null)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        request.Content.WriteTo(buffer, CancellationToken.None);
        var text = Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)Math.Min(buffer.Length, 64 * 1024));
        var match = FirstAction().Match(text);
        return match.Success ? match.Groups[1].Value : null;
    }

    [GeneratedRegex(@"(?:POST|PUT|PATCH|MERGE|DELETE|GET) https?://\S+?/([A-Za-z][A-Za-z0-9]{2,62})(?:\(|\?|\s)")]
    private static partial Regex FirstAction();

    private sealed class StrongBox
    {
        public long Value;
    }
}
