using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using ReleaseGuardian.Benchmarks.Ingestion;
using ReleaseGuardian.Infrastructure.Ingestion;

namespace ReleaseGuardian.Benchmarks.LoadRun;

/// <summary>
/// The loopback load run (eng/bench.sh): per repetition a fresh server process against Azurite, then
/// (a) signed LaunchDarkly webhooks from N concurrent clients, (b)+(c) sequential evaluations, bad k6 result to
/// rollback PATCH, with the storage transactions each one cost, (d) Azurite's raw single-entity insert rate with
/// the same concurrency, both for a small entity and for a copy of one recorded event (same properties, same bytes).
/// Prints the medians over the repetitions and writes them as JSON.
/// </summary>
public static class LoadRunner
{
    private const string Guardian = "bench-checkout";
    private const string LaunchDarklySecret = "bench-ld-secret";
    private const string K6Secret = "bench-k6-secret";
    private static readonly DateTimeOffset Base = new(2026, 11, 24, 8, 0, 0, TimeSpan.Zero);

    public static async Task<int> RunAsync(string[] args)
    {
        var options = LoadRunOptions.Parse(args);
        Console.WriteLine($"load run: {options.Repeat} repetition(s), {options.Webhooks} webhooks x {options.Concurrency} clients, {options.Evaluations} evaluations");
        var results = new List<Dictionary<string, double>>();
        for (var rep = 1; rep <= options.Repeat; rep++)
        {
            var result = await RunOnceAsync(options, rep);
            results.Add(result);
            Console.WriteLine($"repetition {rep}: " + string.Join(", ", result.Select(kv => $"{kv.Key}={kv.Value.ToString("0.##", CultureInfo.InvariantCulture)}")));
        }

        // A storage operation one repetition never made (a tx.* count) is 0 there.
        var medians = results.SelectMany(r => r.Keys).Distinct(StringComparer.Ordinal)
            .ToDictionary(k => k, k => Median(results.Select(r => r.GetValueOrDefault(k)).ToList()), StringComparer.Ordinal);
        Print(medians, options.Repeat);
        var document = new JsonObject
        {
            ["machine"] = new JsonObject { ["processors"] = Environment.ProcessorCount, ["os"] = Environment.OSVersion.ToString() },
            ["settings"] = JsonSerializer.SerializeToNode(options, LoadRunJson.Default.LoadRunOptions),
            ["medians"] = ToJson(medians),
            ["repetitions"] = new JsonArray(results.Select(r => (JsonNode)ToJson(r)).ToArray()),
        };
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(options.Output))!);
        await File.WriteAllTextAsync(options.Output, document.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine($"written: {options.Output}");
        return 0;
    }

    private static async Task<Dictionary<string, double>> RunOnceAsync(LoadRunOptions options, int rep)
    {
        var prefix = $"bench{rep}{Guid.NewGuid():N}"[..20];
        await using var flagService = await FlagServiceStub.StartAsync();
        var environment = new Dictionary<string, string>(options.ServerSettings, StringComparer.Ordinal)
        {
            ["AzureWebJobsStorage"] = options.Storage,
            ["Storage__Prefix"] = prefix,
            ["Guardian__ApiKey"] = GuardianServerProcess.ApiKey,
            ["Outbound__AllowPrivateNetworks"] = "true",
            ["Webhooks__launchdarkly__Secret"] = LaunchDarklySecret,
            ["Webhooks__k6__Secret"] = K6Secret,
            ["Providers__launchdarkly__BaseUrl"] = flagService.BaseAddress.ToString().TrimEnd('/'),
            ["Providers__launchdarkly__ApiToken"] = "api-bench-token",
            ["Diagnostics__Enabled"] = "true",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
        };
        var starting = Stopwatch.GetTimestamp();
        await using var server = await GuardianServerProcess.StartAsync(options.ServerDll, environment, options.ServerLog);
        var serverReady = Stopwatch.GetElapsedTime(starting);
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        using var http = new HttpClient(handler, disposeHandler: false) { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        using var management = new HttpClient(handler, disposeHandler: false) { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        management.DefaultRequestHeaders.Add("x-functions-key", GuardianServerProcess.ApiKey);

        await PutGuardianAsync(management, flagService.NotificationUrl);
        var firstInstance = TimeSpan.Zero;
        for (var i = 0; i < 5; i++)
        {
            var posted = Stopwatch.GetTimestamp();
            var instance = await PostK6Async(http, $"train-{i}", "training", Base.AddMinutes(i), 0);
            await WaitForCompletionAsync(management, instance);
            if (i == 0)
            {
                firstInstance = Stopwatch.GetElapsedTime(posted);
            }
        }

        var result = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            // A worker's start: the process answering /healthz, and then the first instance it runs (the engine takes
            // its partition in the background, so the first instance waits for that).
            ["start_to_healthy_ms"] = serverReady.TotalMilliseconds,
            ["first_instance_after_start_ms"] = firstInstance.TotalMilliseconds,
        };
        await ThroughputAsync(http, management, server, options, rep, prefix, result);
        await EvaluationsAsync(http, management, flagService, options, result);
        await GoEvaluationsAsync(http, management, flagService, result);
        await ConcurrentEvaluationsAsync(http, management, server, options, result);
        await IdleAsync(management, result);
        await AfterIdleAsync(http, management, flagService, result);
        return result;
    }

    // (a) Signed LaunchDarkly audit-log webhooks with distinct ids for ten flags, from N concurrent clients, and
    // (d) Azurite's own single-entity insert rate with the same concurrency, from this process. The two alternate in
    // four blocks each, so both see the same background load (the machine is shared).
    private const int Blocks = 4;
    private const int Warmup = 500;

    private static async Task ThroughputAsync(
        HttpClient http, HttpClient management, GuardianServerProcess server, LoadRunOptions options, int rep, string prefix, Dictionary<string, double> result)
    {
        var bodies = Enumerable.Range(0, options.Webhooks + Warmup)
            .Select(i => Deliveries.LaunchDarklyBody($"r{rep}-wh-{i:D6}", Base.AddSeconds(i)))
            .Select(b => Encoding.UTF8.GetString(b).Replace("new-checkout", $"bench-flag-{b.Length % 10}", StringComparison.Ordinal))
            .Select(Encoding.UTF8.GetBytes)
            .ToArray();
        var table = new TableServiceClient(options.Storage).GetTableClient(prefix + "raw");
        await table.CreateIfNotExistsAsync();

        // Warm-up: JIT, connections, tables.
        await SendAllAsync(bodies[..Warmup], options.Concurrency, http);
        await InsertAllAsync(table, Warmup, options.Concurrency);
        var recordedEvent = await RecordedEventSampleAsync(new TableServiceClient(options.Storage).GetTableClient(prefix + "Events"));
        await InsertEventCopiesAsync(table, recordedEvent, Warmup, options.Concurrency);

        var before = await GuardianServerProcess.StorageCountsAsync(management);
        var webhookTime = TimeSpan.Zero;
        var insertTime = TimeSpan.Zero;
        var batchTime = TimeSpan.Zero;
        var eventInsertTime = TimeSpan.Zero;
        var latencies = new List<double>();
        var failures = 0;
        var block = options.Webhooks / Blocks;
        // CPU time per operation does not depend on what else the machine is doing, unlike the rates.
        using var azurite = options.AzuritePid is { } pid ? Process.GetProcessById(pid) : null;
        TimeSpan AzuriteCpu()
        {
            azurite?.Refresh();
            return azurite?.TotalProcessorTime ?? TimeSpan.Zero;
        }

        TimeSpan serverCpu = TimeSpan.Zero, azuriteWebhookCpu = TimeSpan.Zero, azuriteInsertCpu = TimeSpan.Zero, azuritePairCpu = TimeSpan.Zero, azuriteEventInsertCpu = TimeSpan.Zero;
        for (var b = 0; b < Blocks; b++)
        {
            var (server0, azurite0) = (server.CpuTime, AzuriteCpu());
            var (elapsed, blockLatencies, blockFailures) = await SendAllAsync(bodies[(Warmup + (b * block))..(Warmup + ((b + 1) * block))], options.Concurrency, http);
            serverCpu += server.CpuTime - server0;
            azuriteWebhookCpu += AzuriteCpu() - azurite0;
            webhookTime += elapsed;
            latencies.AddRange(blockLatencies);
            failures += blockFailures;

            azurite0 = AzuriteCpu();
            insertTime += await InsertAllAsync(table, block, options.Concurrency);
            azuriteInsertCpu += AzuriteCpu() - azurite0;

            azurite0 = AzuriteCpu();
            batchTime += await InsertPairsAsync(table, block, options.Concurrency);
            azuritePairCpu += AzuriteCpu() - azurite0;

            azurite0 = AzuriteCpu();
            eventInsertTime += await InsertEventCopiesAsync(table, recordedEvent, block, options.Concurrency);
            azuriteEventInsertCpu += AzuriteCpu() - azurite0;
        }

        var operations = (double)(block * Blocks);
        result["server_cpu_us_per_webhook"] = serverCpu.TotalMicroseconds / operations;
        if (azurite is not null)
        {
            result["azurite_cpu_us_per_webhook"] = azuriteWebhookCpu.TotalMicroseconds / operations;
            result["azurite_cpu_us_per_raw_insert"] = azuriteInsertCpu.TotalMicroseconds / operations;
            result["azurite_cpu_us_per_raw_pair_batch"] = azuritePairCpu.TotalMicroseconds / operations;
            result["azurite_cpu_us_per_raw_event_insert"] = azuriteEventInsertCpu.TotalMicroseconds / operations;
        }

        var after = await GuardianServerProcess.StorageCountsAsync(management);
        result["transactions_per_webhook"] = Delta(before, after).Values.Sum() / (double)(block * Blocks);

        result["webhooks_per_s"] = block * Blocks / webhookTime.TotalSeconds;
        result["webhook_p50_ms"] = Percentile(latencies, 50);
        result["webhook_p99_ms"] = Percentile(latencies, 99);
        result["webhook_failures"] = failures;
        result["raw_inserts_per_s"] = block * Blocks / insertTime.TotalSeconds;
        result["ingestion_to_raw_ratio"] = result["webhooks_per_s"] / result["raw_inserts_per_s"];
        result["raw_pair_batches_per_s"] = block * Blocks / batchTime.TotalSeconds;
        result["ingestion_to_raw_pair_batch_ratio"] = result["webhooks_per_s"] / result["raw_pair_batches_per_s"];
        result["raw_event_entity_bytes"] = recordedEvent.Bytes;
        result["raw_event_inserts_per_s"] = block * Blocks / eventInsertTime.TotalSeconds;
        result["ingestion_to_raw_event_ratio"] = result["webhooks_per_s"] / result["raw_event_inserts_per_s"];
    }

    /// <summary>The newest event row the webhooks recorded: its properties (what storage is asked to hold per event), key lengths and payload size.</summary>
    private sealed record RecordedEventSample(string PartitionKey, int RowKeyLength, IReadOnlyList<KeyValuePair<string, object>> Properties, int Bytes);

    private static async Task<RecordedEventSample> RecordedEventSampleAsync(TableClient events)
    {
        // Any time row of a flag partition (markers sort after '~'); all bench webhooks have the same shape.
        await foreach (var row in events.QueryAsync<TableEntity>(filter: "RowKey lt '~'", maxPerPage: 1))
        {
            var properties = row
                .Where(p => p.Key is not ("PartitionKey" or "RowKey" or "Timestamp" or "odata.etag") && p.Value is not null)
                .ToList();
            var bytes = 2 * (row.PartitionKey.Length + row.RowKey.Length) + properties.Sum(p => (2 * p.Key.Length) + p.Value switch
            {
                string text => 2 * text.Length,
                byte[] binary => binary.Length,
                _ => 8,
            });
            return new RecordedEventSample(row.PartitionKey, row.RowKey.Length, properties, bytes);
        }

        throw new InvalidOperationException("no recorded event to copy: the warm-up webhooks stored nothing");
    }

    // Azurite's rate for an entity of exactly what one webhook records (the one-entity event shape), with fresh keys of
    // the same lengths: the like-for-like baseline for webhooks_per_s.
    private static async Task<TimeSpan> InsertEventCopiesAsync(TableClient table, RecordedEventSample sample, int count, int concurrency)
    {
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var rowKey = Guid.NewGuid().ToString("N").PadRight(sample.RowKeyLength, '0')[..sample.RowKeyLength];
                var entity = new TableEntity(sample.PartitionKey, rowKey);
                foreach (var (name, value) in sample.Properties)
                {
                    entity[name] = value;
                }

                await table.AddEntityAsync(entity);
            }
        }));
        return clock.Elapsed;
    }

    // What the two-entity record shape costs storage: an entity-group transaction of a small de-dup marker (with the
    // compressed raw payload) and the event row, what TableEventStore.RecordAsync writes for an event whose time is not
    // from its payload (LaunchDarkly's, as benchmarked here, is one entity).
    private static async Task<TimeSpan> InsertPairsAsync(TableClient table, int count, int concurrency)
    {
        var raw = Convert.ToBase64String(new byte[900]);
        var data = new string('d', 1500);
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var partition = $"pair{i % 10}";
                var id = Guid.NewGuid().ToString("N");
                await table.SubmitTransactionAsync(
                [
                    new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(partition, "~dedup|" + id) { ["Raw"] = raw, ["At"] = DateTimeOffset.UtcNow }),
                    new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(partition, id) { ["Data"] = data, ["At"] = DateTimeOffset.UtcNow }),
                ]);
            }
        }));
        return clock.Elapsed;
    }

    private static async Task<TimeSpan> InsertAllAsync(TableClient table, int count, int concurrency)
    {
        var payload = new string('x', 400);
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                await table.AddEntityAsync(new TableEntity($"p{i % 10}", Guid.NewGuid().ToString("N")) { ["Data"] = payload, ["At"] = DateTimeOffset.UtcNow });
            }
        }));
        return clock.Elapsed;
    }

    private static async Task<(TimeSpan Elapsed, List<double> LatenciesMs, int Failures)> SendAllAsync(byte[][] bodies, int concurrency, HttpClient http)
    {
        var next = -1;
        var failures = 0;
        var latencies = new List<double>[concurrency];
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async c =>
        {
            latencies[c] = [];
            int i;
            while ((i = Interlocked.Increment(ref next)) < bodies.Length)
            {
                var started = Stopwatch.GetTimestamp();
                using var response = await http.SendAsync(Signed("api/webhooks/flags/launchdarkly", bodies[i], "X-LD-Signature", HmacSignature.ComputeHex(LaunchDarklySecret, bodies[i])));
                latencies[c].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                if (response.StatusCode != HttpStatusCode.Accepted)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        }));
        return (clock.Elapsed, latencies.SelectMany(l => l).ToList(), failures);
    }

    // (b) and (c): one at a time, a flag change and then a bad k6 result; the clock runs from the k6 POST to the
    // flag service receiving the rollback PATCH. Transactions are counted from the k6 POST to the instance's end.
    private static async Task EvaluationsAsync(HttpClient http, HttpClient management, FlagServiceStub flagService, LoadRunOptions options, Dictionary<string, double> result)
    {
        var latencies = new List<double>();
        var transactions = new List<double>();
        var engineTransactions = new List<double>();
        var applicationTransactions = new List<double>();
        var byOperation = new Dictionary<string, long>(StringComparer.Ordinal);
        for (var i = 0; i < options.Evaluations; i++)
        {
            var before = await GuardianServerProcess.StorageCountsAsync(management);
            latencies.Add(await NoGoEvaluationAsync(http, management, flagService, $"eval-{i:D4}", Base.AddHours(1).AddMinutes(2 * i)));
            var after = await GuardianServerProcess.StorageCountsAsync(management);
            var delta = Delta(before, after);
            transactions.Add(delta.Values.Sum());
            var engine = delta.Where(kv => IsEngine(kv.Key)).Sum(kv => kv.Value);
            engineTransactions.Add(engine);
            applicationTransactions.Add(delta.Values.Sum() - engine);
            foreach (var (key, count) in delta)
            {
                byOperation[key] = byOperation.GetValueOrDefault(key) + count;
            }
        }

        result["rollback_p50_ms"] = Percentile(latencies, 50);
        result["rollback_p95_ms"] = Percentile(latencies, 95);
        result["transactions_per_evaluation"] = transactions.Average();
        result["engine_transactions_per_evaluation"] = engineTransactions.Average();
        result["application_transactions_per_evaluation"] = applicationTransactions.Average();
        foreach (var (key, count) in byOperation.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            result["tx." + key] = count / (double)options.Evaluations;
        }
    }

    // One No-Go evaluation after a flag change: the milliseconds from the k6 POST to the flag service receiving the
    // rollback PATCH; it waits for the notification and the instance's end too.
    private static async Task<double> NoGoEvaluationAsync(HttpClient http, HttpClient management, FlagServiceStub flagService, string testId, DateTimeOffset windowStart)
    {
        var change = Deliveries.LaunchDarklyBody($"{testId}-{Guid.NewGuid():N}", windowStart.AddSeconds(-30));
        using (var flag = await http.SendAsync(Signed("api/webhooks/flags/launchdarkly", change, "X-LD-Signature", HmacSignature.ComputeHex(LaunchDarklySecret, change))))
        {
            Require(flag.StatusCode == HttpStatusCode.Accepted, $"flag change {testId}: {(int)flag.StatusCode}");
        }

        var (rollback, notification) = flagService.Expect();
        var started = Stopwatch.GetTimestamp();
        var instance = await PostK6Async(http, testId, "validation", windowStart, 0.3);
        var rolledBackAt = await rollback.WaitAsync(TimeSpan.FromSeconds(30));
        await notification.WaitAsync(TimeSpan.FromSeconds(30));
        var status = await WaitForCompletionAsync(management, instance);
        Require(status.GetProperty("output").GetProperty("decision").GetString() is "nogo" or "NoGo",
            $"evaluation {testId} ended {status.GetProperty("output")}");
        return Stopwatch.GetElapsedTime(started, rolledBackAt).TotalMilliseconds;
    }

    // (g) The first evaluation after the idle window, when every queue poller has backed off to its longest interval.
    private static async Task AfterIdleAsync(HttpClient http, HttpClient management, FlagServiceStub flagService, Dictionary<string, double> result) =>
        result["rollback_after_idle_ms"] = await NoGoEvaluationAsync(http, management, flagService, "after-idle", Base.AddHours(9));

    // (c) for the other outcome: healthy k6 results after a flag change, judged Go, so nothing is rolled back or sent.
    private const int GoEvaluations = 10;

    private static async Task GoEvaluationsAsync(HttpClient http, HttpClient management, FlagServiceStub flagService, Dictionary<string, double> result)
    {
        var transactions = new List<double>();
        var (rollback, notification) = flagService.Expect();
        for (var i = 0; i < GoEvaluations; i++)
        {
            var windowStart = Base.AddHours(3).AddMinutes(2 * i);
            var change = Deliveries.LaunchDarklyBody($"go-{i:D4}-{Guid.NewGuid():N}", windowStart.AddSeconds(-30));
            using (var flag = await http.SendAsync(Signed("api/webhooks/flags/launchdarkly", change, "X-LD-Signature", HmacSignature.ComputeHex(LaunchDarklySecret, change))))
            {
                Require(flag.StatusCode == HttpStatusCode.Accepted, $"flag change {i}: {(int)flag.StatusCode}");
            }

            var before = await GuardianServerProcess.StorageCountsAsync(management);
            var instance = await PostK6Async(http, $"go-{i:D4}", "validation", windowStart, 0);
            var status = await WaitForCompletionAsync(management, instance);
            Require(status.GetProperty("output").GetProperty("decision").GetString() is "go" or "Go",
                $"healthy evaluation {i} ended {status.GetProperty("output")}");
            transactions.Add(Delta(before, await GuardianServerProcess.StorageCountsAsync(management)).Values.Sum());
        }

        Require(!rollback.IsCompleted && !notification.IsCompleted, "a Go verdict rolled the flag back or sent a notification");
        result["transactions_per_go_evaluation"] = transactions.Average();
    }

    // (e) Evaluations per second with 20 at once: healthy k6 results (Go) posted by 20 concurrent clients, timed from
    // the first POST until every instance has finished.
    private const int ConcurrentClients = 20;

    private static async Task ConcurrentEvaluationsAsync(HttpClient http, HttpClient management, GuardianServerProcess server, LoadRunOptions options, Dictionary<string, double> result)
    {
        var count = Math.Max(ConcurrentClients, options.ConcurrentEvaluations);
        var next = -1;
        using var azurite = options.AzuritePid is { } pid ? Process.GetProcessById(pid) : null;
        TimeSpan AzuriteCpu()
        {
            azurite?.Refresh();
            return azurite?.TotalProcessorTime ?? TimeSpan.Zero;
        }

        var before = await GuardianServerProcess.StorageCountsAsync(management);
        var (server0, azurite0) = (server.CpuTime, AzuriteCpu());
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, ConcurrentClients).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var instance = await PostK6Async(http, $"par-{i:D4}-{Guid.NewGuid():N}"[..20], "validation", Base.AddHours(5).AddMinutes(2 * i), 0);
                await WaitForCompletionAsync(management, instance);
            }
        }));
        var elapsed = clock.Elapsed;
        result["evaluations_per_s_20_concurrent"] = count / elapsed.TotalSeconds;
        // Where the time goes: CPU of the server and of Azurite (in cores busy), and every storage request during the
        // phase, the status route's reads (the clients poll every 20 ms) apart from the rest.
        result["concurrent_server_cores"] = (server.CpuTime - server0) / elapsed;
        result["concurrent_azurite_cores"] = (AzuriteCpu() - azurite0) / elapsed;
        var after = await GuardianServerProcess.StorageCountsAsync(management);
        var requests = after.Select(kv => (kv.Key, Count: kv.Value - before.GetValueOrDefault(kv.Key))).ToList();
        result["concurrent_storage_requests_per_s"] = requests.Sum(r => r.Count) / elapsed.TotalSeconds;
        result["concurrent_engine_requests_per_evaluation"] = requests.Where(r => IsEngine(r.Key)).Sum(r => r.Count) / (double)count;
    }

    // (f) Idle: nothing to do for ten seconds, after a pause for in-flight work to settle. Every storage request then is
    // polling (queues, leases), the cost of a worker that waits.
    private static async Task IdleAsync(HttpClient management, Dictionary<string, double> result)
    {
        await Task.Delay(TimeSpan.FromSeconds(5));
        var before = await GuardianServerProcess.StorageCountsAsync(management);
        var clock = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(10));
        var after = await GuardianServerProcess.StorageCountsAsync(management);
        var seconds = clock.Elapsed.TotalSeconds;
        var delta = after.Select(kv => (kv.Key, Count: kv.Value - before.GetValueOrDefault(kv.Key))).ToList();
        result["idle_requests_per_s"] = delta.Sum(d => d.Count) / seconds;
        result["idle_engine_requests_per_s"] = delta.Where(d => IsEngine(d.Key)).Sum(d => d.Count) / seconds;
    }

    // The workflow engine's own requests: the Durable Task engine's (keyed "engine/" by the diagnostics route) or, on the
    // engine before it (commit d209881), its Workflows table and work queue.
    private static bool IsEngine(string key) =>
        key.StartsWith("engine/", StringComparison.Ordinal) || key.StartsWith("Workflows:", StringComparison.Ordinal)
        || key.Contains("guardian-workflows", StringComparison.Ordinal);

    // The ingestion queue's receives are its idle poll loop and the status route's reads are the load run's own polling:
    // neither is work the evaluation caused. The Durable Task engine's receives stay in: each of its steps is a queue
    // message it must receive (with some idle polls in the same window), and its status reads, queries of its Instances
    // table that it also makes itself when an instance starts, stay in too, so its count is an upper bound.
    private static Dictionary<string, long> Delta(Dictionary<string, long> before, Dictionary<string, long> after) =>
        after.Where(kv => (kv.Key.StartsWith("engine/", StringComparison.Ordinal) || !kv.Key.EndsWith(":receive", StringComparison.Ordinal))
                && !kv.Key.EndsWith("Workflows:read", StringComparison.Ordinal))
            .Select(kv => (kv.Key, Count: kv.Value - before.GetValueOrDefault(kv.Key)))
            .Where(kv => kv.Count > 0)
            .ToDictionary(kv => NormalisedKey(kv.Key), kv => kv.Count, StringComparer.Ordinal);

    // Tables carry the run's random prefix; drop it so repetitions line up.
    private static string NormalisedKey(string key) => System.Text.RegularExpressions.Regex.Replace(key, "^(engine/)?bench[0-9a-f]+-?", "$1", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    private static async Task PutGuardianAsync(HttpClient management, string hookUrl)
    {
        var definition = $$"""
            {"id":"{{Guardian}}","displayName":"Checkout (load run)","service":"checkout",
             "flag":{"provider":"launchdarkly","key":"new-checkout","project":"default","environment":"production"},
             "metrics":{"source":"loadtest"},
             "objectives":[{"name":"p95 latency","signal":"latency.p95","direction":"lowerIsBetter","thresholds":{"mode":"static","warning":600,"failure":800} },
                           {"name":"error rate","signal":"errors.rate","direction":"lowerIsBetter","thresholds":{"mode":"adaptive"},"key":true,"minRequests":100},
                           {"name":"traffic","signal":"traffic.requests","direction":"higherIsBetter","thresholds":{"mode":"adaptive"} }],
             "policy":{"rollbackOn":["nogo"],"notify":[{"type":"webhook","url":"{{hookUrl}}"}]} }
            """;
        using var response = await management.PutAsync($"api/guardians/{Guardian}", new StringContent(definition, Encoding.UTF8, "application/json"));
        Require(response.IsSuccessStatusCode, $"PUT guardian: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private static async Task<string> PostK6Async(HttpClient http, string testId, string purpose, DateTimeOffset start, double errorRate)
    {
        const int requests = 1170;
        var failed = (int)Math.Round(requests * errorRate);
        var summary = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $$"""
            {"state":{"testRunDurationMs":60000},"metrics":{
             "http_req_duration":{"type":"trend","contains":"time","values":{"avg":210.5,"med":190.1,"p(90)":280.2,"p(95)":310.7,"min":40.2,"max":890.3} },
             "http_req_failed":{"type":"rate","contains":"default","values":{"rate":{{failed / (double)requests}},"passes":{{failed}},"fails":{{requests - failed}}} },
             "http_reqs":{"type":"counter","contains":"default","values":{"count":{{requests}},"rate":{{requests / 60.0}}} } } }
            """));
        var query = $"guardian={Guardian}&purpose={purpose}&testId={testId}&start={Uri.EscapeDataString(start.ToString("O"))}&end={Uri.EscapeDataString(start.AddMinutes(1).ToString("O"))}";
        using var response = await http.SendAsync(Signed($"api/webhooks/loadtests/k6?{query}", summary, GuardianSignature.HeaderName, GuardianSignature.Sign(K6Secret, summary)));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Require(response.StatusCode == HttpStatusCode.Accepted, $"k6 {testId}: {(int)response.StatusCode} {body}");
        return body.GetProperty("events")[0].GetProperty("instanceId").GetString()!;
    }

    private static async Task<JsonElement> WaitForCompletionAsync(HttpClient management, string instanceId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            using var status = await management.GetAsync($"runtime/webhooks/durabletask/instances/{Uri.EscapeDataString(instanceId)}");
            if (status.StatusCode == HttpStatusCode.OK)
            {
                return await status.Content.ReadFromJsonAsync<JsonElement>();
            }

            Require(DateTime.UtcNow < deadline, $"{instanceId} did not finish: {await status.Content.ReadAsStringAsync()}");
            await Task.Delay(20);
        }
    }

    private static HttpRequestMessage Signed(string path, byte[] body, string header, string signature)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add(header, signature);
        return request;
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException(message);
        }
    }

    // Nearest rank: the smallest value with at least p% of the samples at or below it.
    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        var rank = (int)Math.Ceiling(p / 100 * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }

    private static double Median(List<double> values) => Percentile(values, 50);

    private static JsonObject ToJson(Dictionary<string, double> values) =>
        new(values.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)JsonValue.Create(Math.Round(kv.Value, 2)))));

    private static void Print(Dictionary<string, double> medians, int repeat)
    {
        Console.WriteLine();
        Console.WriteLine($"medians over {repeat} repetition(s)");
        Console.WriteLine($"{"measure",-48} {"value",12}");
        foreach (var (key, value) in medians)
        {
            Console.WriteLine($"{key,-48} {value.ToString("0.##", CultureInfo.InvariantCulture),12}");
        }
    }
}
