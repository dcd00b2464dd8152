using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using ReleaseGuardian.Application.Releases;

namespace ReleaseGuardian.Infrastructure.Tests.Rollback;

/// <summary>The rollout clients as the hosts get them (AddFlagRollback), found by provider.</summary>
internal static class RolloutClients
{
    public static IFlagRolloutClient Of(ServiceProvider services, string provider) =>
        services.GetServices<IFlagRolloutClient>().Single(c => string.Equals(c.Provider, provider, StringComparison.OrdinalIgnoreCase));

    /// <summary>Two JSON texts with the same content (key order aside).</summary>
    public static void SameJson(string expected, string actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(actual)), $"expected {expected}\nactual   {actual}");
}
