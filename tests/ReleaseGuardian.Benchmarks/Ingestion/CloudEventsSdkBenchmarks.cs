using System.Net.Mime;
using BenchmarkDotNet.Attributes;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.SystemTextJson;
using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Infrastructure.Ingestion.CloudEvents;

namespace ReleaseGuardian.Benchmarks.Ingestion;

/// <summary>
/// The hand-written CloudEvents reader against the CNCF SDK (CloudNative.CloudEvents 2.9 with its System.Text.Json
/// formatter) on the same bytes. The reader's time includes mapping the data to Release Guardian's events; the
/// SDK's is decoding only, so the mapping would still come on top of it.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class CloudEventsSdkBenchmarks
{
    private static readonly ContentType BatchType = new(CloudEventsReader.BatchMediaType);
    private static readonly ContentType StructuredType = new(CloudEventsReader.StructuredMediaType);
    private readonly JsonEventFormatter _formatter = new();
    private WebhookRequest _batch = null!;
    private WebhookRequest _single = null!;

    [GlobalSetup]
    public void Setup()
    {
        _batch = Deliveries.CloudEvents(Deliveries.CloudEventsBatch(100));
        var one = Deliveries.CloudEventsBatch(1);
        _single = new WebhookRequest(one.AsMemory(1, one.Length - 2), Deliveries.NoQuery, Deliveries.NoQuery, CloudEventsReader.StructuredMediaType);
        if (Reader_structured() is not { IsAccepted: true } || Reader_batch_of_100() is not { IsAccepted: true, Events.Count: 100 }
            || Sdk_batch_of_100() != 100 || Sdk_structured() is null)
        {
            throw new InvalidOperationException("every benchmark input must be accepted by both");
        }
    }

    [Benchmark]
    public CloudEventsReadResult Reader_structured() => CloudEventsReader.Read(_single);

    [Benchmark]
    public CloudEvent Sdk_structured() => _formatter.DecodeStructuredModeMessage(_single.Body, StructuredType, null);

    [Benchmark]
    public CloudEventsReadResult Reader_batch_of_100() => CloudEventsReader.Read(_batch);

    [Benchmark]
    public int Sdk_batch_of_100() => _formatter.DecodeBatchModeMessage(_batch.Body, BatchType, null).Count;
}
