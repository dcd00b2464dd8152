using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using ReleaseGuardian.Application.Workflow;
using ReleaseGuardian.Infrastructure.Storage;

namespace ReleaseGuardian.Infrastructure.Workflow;

/// <summary>
/// Orchestration state of the standalone host in Table Storage. One partition per instance holds its status
/// row and one checkpoint row per completed activity (<c>cp-0001</c>, ...), so a checkpoint and the status
/// update that goes with it commit in one entity-group transaction. Work items are queue messages that carry
/// only the instance id.
/// </summary>
public sealed class TableWorkflowStore : IWorkflowScheduler, IWorkflowStatusReader
{
    private const string StatusRow = "status";
    private readonly TableClient _table;
    private readonly QueueClient _queue;
    private readonly CreateOnce _created;
    private readonly TimeProvider _clock;
    private readonly LocalWorkItems? _local;

    /// <summary>Creates the store over the given table and work queue.</summary>
    /// <param name="table">The Workflows table.</param>
    /// <param name="workQueue">The work queue.</param>
    /// <param name="clock">The clock.</param>
    /// <param name="local">Where instances scheduled here go to this process's runner, if it has one.</param>
    public TableWorkflowStore(TableClient table, QueueClient workQueue, TimeProvider clock, LocalWorkItems? local = null)
    {
        _table = table;
        _queue = workQueue;
        _clock = clock;
        _local = local;
        _created = new CreateOnce(() => Task.WhenAll(_table.CreateIfNotExistsAsync(), _queue.CreateIfNotExistsAsync()));
    }

    /// <summary>Creates the table and the work queue if they do not exist (once per process).</summary>
    public Task EnsureCreatedAsync() => _created.EnsureAsync();

    /// <summary>The work queue the runner reads.</summary>
    public QueueClient WorkQueue => _queue;

    /// <inheritdoc />
    public async Task<WorkflowStart> ScheduleAsync(EvaluationRequest request, CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync();
        var instanceId = WorkflowNames.InstanceId(request.GuardianId, request.RunId);
        var now = _clock.GetUtcNow();
        var status = new TableEntity(instanceId, StatusRow)
        {
            ["Name"] = WorkflowNames.ReleaseWorkflow,
            ["RuntimeStatus"] = WorkflowRuntimeStatus.Pending,
            ["CreatedTime"] = now,
            ["LastUpdatedTime"] = now,
        };
        // A load test's signals travel in the input, and a sender decides how many there are.
        LargeProperty.WriteText(status, "Input", JsonSerializer.Serialize(request, WorkflowJsonContext.Default.EvaluationRequest));
        ETag etag;
        try
        {
            etag = (await _table.AddEntityAsync(status, cancellationToken)).Headers.ETag ?? ETag.All;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            // The same guardian and run: a duplicate delivery. The instance that exists is the answer, with its input
            // so a caller can tell a true duplicate from the same run id asked for with other input.
            var existing = await GetStatusAsync(instanceId, cancellationToken);
            return new WorkflowStart(instanceId, Created: false, existing?.Input?.Deserialize(WorkflowJsonContext.Default.EvaluationRequest));
        }

        var local = _local is not null && _local.TryReserve();
        try
        {
            if (local)
            {
                var receipt = (await _queue.SendMessageAsync(instanceId, visibilityTimeout: _local!.Lease, cancellationToken: cancellationToken)).Value;
                _local.Post(new LocalWorkItem(new WorkflowHistory(ToStatus(status), [], etag), receipt.MessageId, receipt.PopReceipt));
            }
            else
            {
                await _queue.SendMessageAsync(instanceId, cancellationToken);
            }
        }
        catch
        {
            if (local)
            {
                _local!.Release();
            }

            // Without a work item the instance would sit Pending for ever; undo so the sender's retry starts it.
            await _table.DeleteEntityAsync(instanceId, StatusRow, ETag.All, CancellationToken.None);
            throw;
        }

        return new WorkflowStart(instanceId, Created: true);
    }

    /// <inheritdoc />
    public async Task<WorkflowStatus?> GetStatusAsync(string instanceId, CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync();
        var response = await _table.GetEntityIfExistsAsync<TableEntity>(instanceId, StatusRow, cancellationToken: cancellationToken);
        return response.HasValue ? ToStatus(response.Value!) : null;
    }

    /// <summary>Everything the runner needs to replay an instance: its status row and its checkpoints in order.</summary>
    public async Task<WorkflowHistory?> LoadHistoryAsync(string instanceId, CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync();
        TableEntity? status = null;
        var checkpoints = new List<string>();
        await foreach (var entity in _table.QueryAsync<TableEntity>(e => e.PartitionKey == instanceId, cancellationToken: cancellationToken))
        {
            if (entity.RowKey == StatusRow)
            {
                status = entity;
            }
            else
            {
                checkpoints.Add(LargeProperty.ReadText(entity, "Result") ?? "null");
            }
        }

        // Checkpoint row keys are zero-padded sequence numbers, so the query returned them in call order.
        return status is null ? null : new WorkflowHistory(ToStatus(status), checkpoints, status.ETag);
    }

    /// <summary>Stores an activity's result as checkpoint <paramref name="sequence"/>.</summary>
    public async Task CheckpointAsync(string instanceId, int sequence, string activity, string resultJson, CancellationToken cancellationToken)
    {
        var checkpoint = CheckpointEntity(instanceId, new PendingCheckpoint(sequence, activity, resultJson));
        try
        {
            await _table.AddEntityAsync(checkpoint, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            // Another delivery of the same instance got there first; its result stands and replay will use it.
        }
    }

    /// <summary>
    /// Writes, in one entity-group transaction, the checkpoints not written yet together with the status row's progress
    /// and, at the end, its completion: one transaction for several activities instead of two or three each. When a
    /// checkpoint already exists (another delivery of the instance wrote it first) the transaction fails whole, and the
    /// writes are made one by one so the existing checkpoint stands.
    /// </summary>
    /// <param name="instanceId">The instance.</param>
    /// <param name="checkpoints">Activity results to checkpoint, in call order; may be empty.</param>
    /// <param name="progress">The custom status to record, or null to leave it.</param>
    /// <param name="completion">The final runtime status and output, or null while the instance runs.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    public async Task CommitAsync(
        string instanceId, IReadOnlyList<PendingCheckpoint> checkpoints, WorkflowProgress? progress,
        (string RuntimeStatus, string OutputJson)? completion, CancellationToken cancellationToken)
    {
        var status = new TableEntity(instanceId, StatusRow)
        {
            ["RuntimeStatus"] = completion?.RuntimeStatus ?? WorkflowRuntimeStatus.Running,
            ["LastUpdatedTime"] = _clock.GetUtcNow(),
        };
        if (progress is not null)
        {
            LargeProperty.WriteText(status, "CustomStatus", JsonSerializer.Serialize(progress, WorkflowJsonContext.Default.WorkflowProgress));
        }

        if (completion is { } done)
        {
            LargeProperty.WriteText(status, "Output", done.OutputJson);
        }

        if (checkpoints.Count == 0)
        {
            await _table.UpdateEntityAsync(status, ETag.All, TableUpdateMode.Merge, cancellationToken);
            return;
        }

        try
        {
            await _table.SubmitTransactionAsync(
                [
                    .. checkpoints.Select(c => new TableTransactionAction(TableTransactionActionType.Add, CheckpointEntity(instanceId, c))),
                    new TableTransactionAction(TableTransactionActionType.UpdateMerge, status, ETag.All),
                ],
                cancellationToken);
        }
        catch (TableTransactionFailedException e) when (e.Status == 409)
        {
            foreach (var checkpoint in checkpoints)
            {
                await CheckpointAsync(instanceId, checkpoint.Sequence, checkpoint.Activity, checkpoint.ResultJson, cancellationToken);
            }

            await _table.UpdateEntityAsync(status, ETag.All, TableUpdateMode.Merge, cancellationToken);
        }
    }

    /// <summary>Marks the instance finished with its output (or the error, when it failed).</summary>
    public async Task CompleteAsync(string instanceId, string runtimeStatus, string outputJson, CancellationToken cancellationToken)
    {
        var update = new TableEntity(instanceId, StatusRow)
        {
            ["RuntimeStatus"] = runtimeStatus,
            ["LastUpdatedTime"] = _clock.GetUtcNow(),
        };
        LargeProperty.WriteText(update, "Output", outputJson);
        await _table.UpdateEntityAsync(update, ETag.All, TableUpdateMode.Merge, cancellationToken);
    }

    private static string CheckpointRow(int sequence) => "cp-" + sequence.ToString("D4");

    // A judgement's result carries the whole verdict, which can outgrow one string property.
    private static TableEntity CheckpointEntity(string instanceId, PendingCheckpoint checkpoint)
    {
        var row = new TableEntity(instanceId, CheckpointRow(checkpoint.Sequence)) { ["Activity"] = checkpoint.Activity };
        LargeProperty.WriteText(row, "Result", checkpoint.ResultJson);
        return row;
    }

    private static WorkflowStatus ToStatus(TableEntity entity) => new(
        entity.GetString("Name") ?? WorkflowNames.ReleaseWorkflow,
        entity.PartitionKey,
        entity.GetString("RuntimeStatus") ?? WorkflowRuntimeStatus.Pending,
        ParseJson(LargeProperty.ReadText(entity, "Input")),
        ParseJson(LargeProperty.ReadText(entity, "CustomStatus")),
        ParseJson(LargeProperty.ReadText(entity, "Output")),
        entity.GetDateTimeOffset("CreatedTime") ?? entity.Timestamp ?? DateTimeOffset.MinValue,
        entity.GetDateTimeOffset("LastUpdatedTime") ?? entity.Timestamp ?? DateTimeOffset.MinValue);

    private static JsonElement? ParseJson(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return null;
        }

        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}

/// <summary>An activity result not yet written: checkpoint <paramref name="Sequence"/> of the instance.</summary>
/// <param name="Sequence">The activity call's number, from 1.</param>
/// <param name="Activity">The activity's name.</param>
/// <param name="ResultJson">Its result as JSON.</param>
public sealed record PendingCheckpoint(int Sequence, string Activity, string ResultJson);

/// <summary>An instance's status and the results of the activities it has completed, in call order.</summary>
/// <param name="Status">The status row.</param>
/// <param name="Checkpoints">Activity results as JSON, index 0 = the first call.</param>
/// <param name="ETag">The status row's ETag when read.</param>
public sealed record WorkflowHistory(WorkflowStatus Status, IReadOnlyList<string> Checkpoints, ETag ETag);
