using ReleaseGuardian.Application.Storage;
using ReleaseGuardian.Testing;
using static ReleaseGuardian.Infrastructure.Tests.Storage.StorageTestBed;

namespace ReleaseGuardian.Infrastructure.Tests.Storage;

[Collection(AzuriteCollection.Name)]
public sealed class TableNotificationStoreTests(AzuriteFixture azurite)
{
    private readonly StorageTestBed _bed = new(azurite);

    private static NotificationRecord Notification(string id, string guardian, int minute, string kind = NotificationKinds.Rollback) =>
        new(id, guardian, kind, T0.AddMinutes(minute), $"{{\"guardian\":\"{guardian}\",\"evidence\":{{\"errors.rate\":0.12}}}}", []);

    [Fact]
    public async Task Notifications_list_newest_first_for_all_and_by_guardian()
    {
        await _bed.Notifications.SaveAsync(Notification("n1", "checkout", 1));
        await _bed.Notifications.SaveAsync(Notification("n2", "payments", 2, NotificationKinds.NoGo));
        await _bed.Notifications.SaveAsync(Notification("n3", "checkout", 3, NotificationKinds.RollbackFailed));
        await _bed.Notifications.SaveAsync(Notification("n4", "checkout-eu", 4));
        var retried = await _bed.Notifications.SaveAsync(Notification("n3", "checkout", 3, NotificationKinds.NoGo)); // a replayed activity

        var all = await _bed.Notifications.ListAsync(null, 10, null);
        var checkout = await _bed.Notifications.ListAsync("checkout", 10, null);

        Assert.Equal(["n4", "n3", "n2", "n1"], all.Items.Select(n => n.Id));
        Assert.Equal(["n3", "n1"], checkout.Items.Select(n => n.Id));
        Assert.Equal(WriteOutcome.Conflict, retried.Outcome);
        Assert.Equal(NotificationKinds.RollbackFailed, checkout.Items[0].Kind); // the first record stands
        Assert.Contains("\"errors.rate\":0.12", checkout.Items[0].BodyJson, StringComparison.Ordinal);
        Assert.Null(all.Continuation);
    }

    [Fact]
    public async Task Notification_listings_page_and_reject_a_token_from_another_listing()
    {
        for (var i = 1; i <= 5; i++)
        {
            await _bed.Notifications.SaveAsync(Notification($"n{i}", i % 2 == 0 ? "payments" : "checkout", i));
        }

        var first = await _bed.Notifications.ListAsync("checkout", 2, null);
        var second = await _bed.Notifications.ListAsync("checkout", 2, first.Continuation);
        var allFirst = await _bed.Notifications.ListAsync(null, 3, null);
        var allSecond = await _bed.Notifications.ListAsync(null, 3, allFirst.Continuation);

        Assert.Equal(["n5", "n3"], first.Items.Select(n => n.Id));
        Assert.Equal(["n1"], second.Items.Select(n => n.Id));
        Assert.Null(second.Continuation);
        Assert.Equal(["n5", "n4", "n3", "n2", "n1"], allFirst.Items.Concat(allSecond.Items).Select(n => n.Id));
        await Assert.ThrowsAsync<InvalidContinuationException>(() => _bed.Notifications.ListAsync("payments", 2, first.Continuation));
    }

    [Fact]
    public async Task Delivery_outcomes_update_in_both_listings_in_one_transaction()
    {
        var n = Notification("n1", "checkout", 1);
        await _bed.Notifications.SaveAsync(n);
        _bed.Counter.Reset();

        var updated = await _bed.Notifications.UpdateDeliveriesAsync(n,
        [
            new DeliveryOutcome("webhook https://example.org/hook", true, 200, null, T0.AddMinutes(2)),
            new DeliveryOutcome("teams", false, 503, "service unavailable", T0.AddMinutes(2), Attempts: 3),
        ]);
        var missing = await _bed.Notifications.UpdateDeliveriesAsync(Notification("n9", "checkout", 9), []);

        Assert.Equal(WriteOutcome.Updated, updated.Outcome);
        Assert.Equal(WriteOutcome.NotFound, missing.Outcome);
        Assert.Equal(2, _bed.Counter.Count(_bed.TableName("Notifications"), "batch"));
        foreach (var listing in new[] { await _bed.Notifications.ListAsync(null, 10, null), await _bed.Notifications.ListAsync("checkout", 10, null) })
        {
            var deliveries = Assert.Single(listing.Items).Deliveries;
            Assert.Equal(2, deliveries.Count);
            Assert.Equal(new DeliveryOutcome("teams", false, 503, "service unavailable", T0.AddMinutes(2), 3), deliveries[1]);
        }
    }
}
