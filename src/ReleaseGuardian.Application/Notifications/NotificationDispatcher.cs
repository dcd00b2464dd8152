using ReleaseGuardian.Core.Definitions;

namespace ReleaseGuardian.Application.Notifications;

/// <summary>
/// Sends one notification to every target of a guardian at once and returns every outcome, in target
/// order. A target that fails, throws or has no sender is recorded as undelivered; the others still go out.
/// </summary>
public sealed class NotificationDispatcher
{
    private readonly Dictionary<string, INotificationSender> _senders;
    private readonly TimeProvider _clock;

    /// <summary>Creates a dispatcher over the registered senders (one per target type; the last registration wins).</summary>
    public NotificationDispatcher(IEnumerable<INotificationSender> senders, TimeProvider? clock = null)
    {
        _senders = new Dictionary<string, INotificationSender>(StringComparer.OrdinalIgnoreCase);
        foreach (var sender in senders)
        {
            _senders[sender.TargetType] = sender;
        }

        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>Sends to the guardian's <c>policy.notify</c> targets.</summary>
    public Task<IReadOnlyList<DeliveryOutcome>> DispatchAsync(NotificationMessage message, GuardianDefinition guardian, CancellationToken ct) =>
        DispatchAsync(message, guardian.Policy.Notify, ct);

    /// <summary>Sends to every target concurrently; the result has one outcome per target, in the same order.</summary>
    public async Task<IReadOnlyList<DeliveryOutcome>> DispatchAsync(
        NotificationMessage message,
        IReadOnlyList<NotifyTarget> targets,
        CancellationToken ct)
    {
        var deliveries = targets.Select(target => DeliverAsync(message, target, ct)).ToArray();
        return await Task.WhenAll(deliveries);
    }

    private async Task<DeliveryOutcome> DeliverAsync(NotificationMessage message, NotifyTarget target, CancellationToken ct)
    {
        if (!_senders.TryGetValue(target.Type, out var sender))
        {
            return Undelivered(target, $"no sender for target type '{target.Type}' (known: {string.Join(", ", _senders.Keys.Order(StringComparer.Ordinal))})");
        }

        try
        {
            // Yield first so that a sender doing synchronous work before its first await cannot hold up the others.
            await Task.Yield();
            return await sender.SendAsync(message, target, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return Undelivered(target, "cancelled");
        }
        catch (Exception ex)
        {
            return Undelivered(target, NotificationUrl.Scrub($"{ex.GetType().Name}: {ex.Message}", target.Url, target.Type));
        }
    }

    private DeliveryOutcome Undelivered(NotifyTarget target, string error) =>
        new(target.Type, NotificationUrl.Redact(target.Url, target.Type), false, null, error, 0, _clock.GetUtcNow());
}
