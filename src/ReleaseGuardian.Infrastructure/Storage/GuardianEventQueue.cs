using System.Text;
using System.Text.Json;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using ReleaseGuardian.Application.Hosting;

namespace ReleaseGuardian.Infrastructure.Storage;

/// <summary>
/// The <c>guardian-events</c> queue and its poison queue, as the standalone server's listener uses them.
/// Messages may arrive as plain text or base64 (the Functions default); <see cref="GuardianQueueMessage.Body"/>
/// is always the decoded text. Both queues are created on first use, once per process.
/// </summary>
public sealed class GuardianEventQueue
{
    /// <summary>Room left for XML and envelope overhead below the 64 KiB message limit.</summary>
    internal const int MaxEnvelopeBytes = 48 * 1024;

    private readonly QueueClient _queue;
    private readonly QueueClient _poison;
    private readonly TimeProvider _time;
    private readonly CreateOnce _created;

    /// <summary>Creates the wrapper over the configured queue names.</summary>
    public GuardianEventQueue(QueueServiceClient service, StorageOptions options, TimeProvider? time = null)
    {
        options.Validate();
        _queue = service.GetQueueClient(options.QueueName);
        _poison = service.GetQueueClient(options.PoisonQueueName);
        _time = time ?? TimeProvider.System;
        _created = new CreateOnce(() => Task.WhenAll(
            _queue.CreateIfNotExistsAsync(cancellationToken: CancellationToken.None),
            _poison.CreateIfNotExistsAsync(cancellationToken: CancellationToken.None)));
    }

    /// <summary>The main queue's name.</summary>
    public string QueueName => _queue.Name;

    /// <summary>The poison queue's name.</summary>
    public string PoisonQueueName => _poison.Name;

    /// <summary>Sends a message as plain text, or base64-encoded as the Functions queue trigger expects by default.</summary>
    public async Task<string> SendAsync(string text, bool base64 = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        await EnsureCreatedAsync(cancellationToken);
        var body = base64 ? Convert.ToBase64String(Encoding.UTF8.GetBytes(text)) : text;
        var receipt = await _queue.SendMessageAsync(body, cancellationToken);
        return receipt.Value.MessageId;
    }

    /// <summary>Receives up to <paramref name="maxMessages"/> (1..32), hidden from others for <paramref name="visibilityTimeout"/>.</summary>
    public async Task<IReadOnlyList<GuardianQueueMessage>> ReceiveAsync(int maxMessages, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default)
    {
        await EnsureCreatedAsync(cancellationToken);
        var messages = await _queue.ReceiveMessagesAsync(maxMessages, visibilityTimeout, cancellationToken);
        return messages.Value.Select(ToMessage).ToList();
    }

    /// <summary>Deletes a processed message (needs the pop receipt of the receive that returned it).</summary>
    public async Task DeleteAsync(GuardianQueueMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        await _queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
    }

    /// <summary>Makes a failed message visible again after <paramref name="delay"/>, for its next try.</summary>
    public async Task DelayRetryAsync(GuardianQueueMessage message, TimeSpan delay, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        await _queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: delay, cancellationToken: cancellationToken);
    }

    /// <summary>
    /// Moves a message to the poison queue: first writes a JSON envelope
    /// <c>{"reason","dequeueCount","messageId","insertedOn","movedAt","message"}</c> holding the original text exactly as
    /// it was queued, then deletes it from the main queue, so a crash in between leaves a copy in both places rather
    /// than in neither. An envelope that would exceed the message size limit is split into several, each with
    /// <c>"part"</c> and <c>"parts"</c>, whose <c>message</c> fields concatenate to the original.
    /// </summary>
    public async Task MoveToPoisonAsync(GuardianQueueMessage message, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(reason);
        await EnsureCreatedAsync(cancellationToken);
        foreach (var envelope in PoisonEnvelopes(message, reason, _time.GetUtcNow()))
        {
            await _poison.SendMessageAsync(envelope, cancellationToken);
        }

        await _queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
    }

    /// <summary>Receives from the poison queue (for inspection and tests).</summary>
    public async Task<IReadOnlyList<GuardianQueueMessage>> ReceivePoisonAsync(int maxMessages, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default)
    {
        await EnsureCreatedAsync(cancellationToken);
        var messages = await _poison.ReceiveMessagesAsync(maxMessages, visibilityTimeout, cancellationToken);
        return messages.Value.Select(ToMessage).ToList();
    }

    /// <summary>Whether a message has been delivered often enough to give up on it (<see cref="QueueNames.MaxDequeueCount"/>).</summary>
    public static bool IsExhausted(GuardianQueueMessage message) => message.DequeueCount >= QueueNames.MaxDequeueCount;

    internal static List<string> PoisonEnvelopes(GuardianQueueMessage message, string reason, DateTimeOffset movedAt)
    {
        string Envelope(string text, int part, int parts) => EventJson.Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("reason", reason);
            w.WriteNumber("dequeueCount", message.DequeueCount);
            w.WriteString("messageId", message.MessageId);
            if (message.InsertedOn is { } inserted)
            {
                w.WriteString("insertedOn", inserted);
            }

            w.WriteString("movedAt", movedAt);
            if (parts > 1)
            {
                w.WriteNumber("part", part);
                w.WriteNumber("parts", parts);
            }

            w.WriteString("message", text);
            w.WriteEndObject();
        });

        var whole = Envelope(message.RawText, 1, 1);
        if (Encoding.UTF8.GetByteCount(whole) <= MaxEnvelopeBytes)
        {
            return [whole];
        }

        // Escaping can grow text up to 6x (\uXXXX); slice conservatively and never split a surrogate pair.
        var slice = Math.Max(1024, (MaxEnvelopeBytes - Encoding.UTF8.GetByteCount(reason) - 512) / 6);
        var pieces = new List<string>();
        for (var start = 0; start < message.RawText.Length;)
        {
            var length = Math.Min(slice, message.RawText.Length - start);
            if (start + length < message.RawText.Length && char.IsHighSurrogate(message.RawText[start + length - 1]))
            {
                length--;
            }

            pieces.Add(message.RawText.Substring(start, length));
            start += length;
        }

        return pieces.Select((piece, i) => Envelope(piece, i + 1, pieces.Count)).ToList();
    }

    private Task EnsureCreatedAsync(CancellationToken cancellationToken) => _created.EnsureAsync(cancellationToken);

    private static GuardianQueueMessage ToMessage(QueueMessage m) =>
        new(m.MessageId, m.PopReceipt, m.MessageText, Decode(m.MessageText), m.DequeueCount, m.InsertedOn);

    /// <summary>
    /// Plain CloudEvents JSON starts with '{' or '['; anything else that is valid base64 of UTF-8 text is decoded.
    /// </summary>
    internal static string Decode(string text)
    {
        var trimmed = text.AsSpan().TrimStart();
        if (trimmed.IsEmpty || trimmed[0] is '{' or '[')
        {
            return text;
        }

        var buffer = new byte[(text.Length * 3 / 4) + 3];
        if (!Convert.TryFromBase64String(text.Trim(), buffer, out var written))
        {
            return text;
        }

        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(buffer, 0, written);
        }
        catch (DecoderFallbackException)
        {
            return text;
        }
    }
}

/// <summary>A received queue message.</summary>
/// <param name="MessageId">The queue's message id.</param>
/// <param name="PopReceipt">Proof of the receive, needed to delete it.</param>
/// <param name="RawText">The text exactly as queued.</param>
/// <param name="Body">The text, base64-decoded when it was sent encoded.</param>
/// <param name="DequeueCount">How many times it has been received, this time included.</param>
/// <param name="InsertedOn">When it was queued.</param>
public sealed record GuardianQueueMessage(string MessageId, string PopReceipt, string RawText, string Body, long DequeueCount, DateTimeOffset? InsertedOn);
