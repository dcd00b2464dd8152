using System.Globalization;
using System.Text;

namespace ReleaseGuardian.Testing;

/// <summary>
/// The workshop story's inputs, shared by both hosts' tests: the guardian, LaunchDarkly's audit-log webhook and a k6
/// end-of-test summary. Bodies only; each host's tests sign and send them their own way.
/// </summary>
public static class WorkshopPayloads
{
    /// <summary>The first training run's start; later steps are minutes after it.</summary>
    public static readonly DateTimeOffset Base = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);

    /// <summary>Requests per training run: a steady baseline around 1,171.</summary>
    public static readonly int[] TrainingRequests = [1171, 1180, 1165, 1175, 1169, 1172, 1178];

    /// <summary>A k6 handleSummary document: <paramref name="requests"/> over one minute, a fraction <paramref name="errorRate"/> failed.</summary>
    public static byte[] K6Summary(int requests, double errorRate)
    {
        var failed = (int)Math.Round(requests * errorRate);
        return Encoding.UTF8.GetBytes($$$"""
            {"state":{"testRunDurationMs":60000},
             "metrics":{
               "http_req_duration":{"type":"trend","contains":"time","values":{"avg":210.5,"med":190.1,"p(90)":280.2,"p(95)":310.7,"min":40.2,"max":890.3} },
               "http_req_failed":{"type":"rate","contains":"default","values":{"rate":{{{(failed / (double)requests).ToString(CultureInfo.InvariantCulture)}}},"passes":{{{failed}}},"fails":{{{requests - failed}}} } },
               "http_reqs":{"type":"counter","contains":"default","values":{"count":{{{requests}}},"rate":{{{(requests / 60.0).ToString(CultureInfo.InvariantCulture)}}} } } } }
            """);
    }

    /// <summary>The load-test webhook's query for a one-minute k6 run from <paramref name="start"/>.</summary>
    public static string K6Query(string guardian, string testId, string purpose, DateTimeOffset start) =>
        $"guardian={guardian}&purpose={purpose}&testId={testId}&start={Uri.EscapeDataString(start.ToString("O"))}&end={Uri.EscapeDataString(start.AddMinutes(1).ToString("O"))}";

    /// <summary>
    /// A LaunchDarkly audit-log webhook: <paramref name="firstName"/> turned flag new-checkout in production on
    /// (or off) at <paramref name="at"/>, as change <paramref name="changeId"/>.
    /// </summary>
    public static byte[] LaunchDarklyToggle(string changeId, DateTimeOffset at, bool turnOn,
        string email = "grace@example.org", string firstName = "Grace", string lastName = "Hopper") =>
        Encoding.UTF8.GetBytes($$$"""
        {"_id":"{{{changeId}}}","date":{{{at.ToUnixTimeMilliseconds()}}},"kind":"flag","name":"New checkout",
         "accesses":[{"action":"updateOn","resource":"proj/default:env/production:flag/new-checkout"}],
         "member":{"_id":"m-{{{firstName.ToLowerInvariant()}}}","email":"{{{email}}}","firstName":"{{{firstName}}}","lastName":"{{{lastName}}}"},
         "titleVerb":"turned {{{(turnOn ? "on" : "off")}}} the flag","title":"{{{firstName}}} {{{lastName}}} turned {{{(turnOn ? "on" : "off")}}} the flag New checkout in Production",
         "previousVersion":{"key":"new-checkout","environments":{"production":{"on":{{{(!turnOn ? "true" : "false")}}},"version":7} } },
         "currentVersion":{"key":"new-checkout","environments":{"production":{"on":{{{(turnOn ? "true" : "false")}}},"version":8} } } }
        """);

    /// <summary>
    /// A guardian of the checkout service bound to LaunchDarkly flag new-checkout, notifying <paramref name="hookUrl"/>.
    /// The defaults are the workshop guardian: static p95 latency, adaptive key error rate, adaptive traffic.
    /// </summary>
    public static string Guardian(
        string id, string hookUrl, string? objectives = null, string metrics = """{"source":"loadtest"}""", string rollbackOn = """["nogo"]""") => $$$"""
        {"id":"{{{id}}}","displayName":"Checkout service","service":"checkout",
         "flag":{"provider":"launchdarkly","key":"new-checkout","project":"default","environment":"production"},
         "metrics":{{{metrics}}},
         "objectives":{{{objectives ?? WorkshopObjectives}}},
         "policy":{"rollbackOn":{{{rollbackOn}}},"notify":[{"type":"webhook","url":"{{{hookUrl}}}"}]} }
        """;

    /// <summary>The workshop's objectives: static p95 latency, adaptive key error rate (min 100 requests), adaptive traffic.</summary>
    public const string WorkshopObjectives = """
        [{"name":"p95 latency","signal":"latency.p95","direction":"lowerIsBetter","thresholds":{"mode":"static","warning":600,"failure":800} },
         {"name":"error rate","signal":"errors.rate","direction":"lowerIsBetter","thresholds":{"mode":"adaptive"},"key":true,"minRequests":100},
         {"name":"traffic","signal":"traffic.requests","direction":"higherIsBetter","thresholds":{"mode":"adaptive"} }]
        """;

    /// <summary>Static objectives only, so a fresh guardian judges at once: error rate fails above 5%.</summary>
    public const string StaticObjectives = """
        [{"name":"p95 latency","signal":"latency.p95","direction":"lowerIsBetter","thresholds":{"mode":"static","warning":600,"failure":800} },
         {"name":"error rate","signal":"errors.rate","direction":"lowerIsBetter","thresholds":{"mode":"static","warning":0.02,"failure":0.05},"key":true }]
        """;
}
