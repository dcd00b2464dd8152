using System.Reflection;
using Microsoft.Extensions.Logging;

namespace ReleaseGuardian.Infrastructure.Tests.Telemetry;

public sealed class LogEventIdTests
{
    // An event id is what an alert rule or a log query filters on; two messages under one id make either miss or
    // misfire. The metrics sources once reused the rollback log's 4101–4105.
    [Fact]
    public void Every_logged_event_has_an_id_of_its_own()
    {
        var assemblies = new[] { typeof(ReleaseGuardian.Infrastructure.Rollback.RollbackOptions).Assembly, typeof(ReleaseGuardian.Application.Workflow.WorkflowNames).Assembly };
        var messages = assemblies
            .SelectMany(a => a.GetTypes())
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Select(m => (Method: m, Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(x => x.Attribute is not null)
            .ToList();

        Assert.NotEmpty(messages);
        var unnumbered = messages.Where(x => x.Attribute!.EventId < 0).Select(x => x.Method.DeclaringType!.Name + "." + x.Method.Name).ToList();
        Assert.True(unnumbered.Count == 0, "Logged events without an id:\n" + string.Join('\n', unnumbered));
        var reused = messages
            .GroupBy(x => x.Attribute!.EventId)
            .Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(x => x.Method.DeclaringType!.Name + "." + x.Method.Name))}")
            .ToList();
        Assert.True(reused.Count == 0, "Event ids used more than once:\n" + string.Join('\n', reused));
    }
}
