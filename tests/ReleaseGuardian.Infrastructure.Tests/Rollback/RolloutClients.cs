using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ReleaseGuardian.Application.Releases;
using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Infrastructure.Tests.Rollback;

/// <summary>The rollout clients as the hosts get them (AddFlagRollback), found by provider.</summary>
internal static class RolloutClients
{
    public static IFlagRolloutClient Of(ServiceProvider services, string provider) =>
        services.GetServices<IFlagRolloutClient>().Single(c => string.Equals(c.Provider, provider, StringComparison.OrdinalIgnoreCase));

    /// <summary>Two JSON texts with the same content (key order aside).</summary>
    public static void SameJson(string expected, string actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(actual)), $"expected {expected}\nactual   {actual}");

    /// <summary>
    /// A loopback stand-in for a flag service that keeps state: <paramref name="answer"/> sees one request at a time
    /// (so it may change the state) and gives the status and JSON body.
    /// </summary>
    public static Task<LoopbackServer> StatefulJsonServer(Func<RecordedRequest, (int Status, string Body)> answer)
    {
        var gate = new object();
        return LoopbackServer.StartAsync(async (request, context) =>
        {
            (int Status, string Body) reply;
            lock (gate)
            {
                reply = answer(request);
            }

            context.Response.StatusCode = reply.Status;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(reply.Body);
        });
    }
}
