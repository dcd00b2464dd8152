using CsCheck;
using ReleaseGuardian.Application.Notifications;

namespace ReleaseGuardian.Infrastructure.Tests.Notifications;

public sealed class NotificationUrlTests
{
    [Theory]
    [InlineData("slack", "https://hooks.slack.com/services/T000/B000/XXXX", "https://hooks.slack.com/***")]
    [InlineData("teams", "https://prod-12.westus.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sig=xyz", "https://prod-12.westus.logic.azure.com/***")]
    [InlineData("webhook", "https://example.org/hook", "https://example.org/hook")]
    [InlineData("webhook", "https://example.org:8443/hook?code=secret", "https://example.org:8443/hook?***")]
    [InlineData("cloudevents", "https://user:pw@events.example.org/api/events", "https://***@events.example.org/api/events")]
    [InlineData("webhook", "not a url", "(invalid url)")]
    public void Urls_are_redacted_for_their_target_type(string type, string url, string expected)
    {
        Assert.Equal(expected, NotificationUrl.Redact(url, type));
    }

    [Fact]
    public void No_part_of_a_chat_webhook_path_or_query_survives_redaction()
    {
        var segment = Gen.Char["abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"].Array[6, 40].Select(c => new string(c));
        Gen.Select(Gen.OneOfConst("slack", "teams"), segment, segment).Sample((type, path, sig) =>
        {
            var redacted = NotificationUrl.Redact($"https://hooks.example.com/{path}/x?sig={sig}", type);
            var scrubbed = NotificationUrl.Scrub($"failed POST https://hooks.example.com/{path}/x?sig={sig} (500)", $"https://hooks.example.com/{path}/x?sig={sig}", type);
            return redacted == "https://hooks.example.com/***"
                && !scrubbed.Contains(path, StringComparison.Ordinal) && !scrubbed.Contains(sig, StringComparison.Ordinal);
        });
    }
}
