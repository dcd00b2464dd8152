using System.Globalization;
using System.Text;
using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Infrastructure.Ingestion;

namespace ReleaseGuardian.Benchmarks.Ingestion;

/// <summary>Realistic signed deliveries, built in code so the benchmarks need no files.</summary>
public static class Deliveries
{
    public const string Secret = "bench-webhook-secret";

    public static readonly Dictionary<string, string> NoQuery = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>A LaunchDarkly audit-log entry (flag turned on in production), as LaunchDarkly sends it.</summary>
    public static byte[] LaunchDarklyBody(string id, DateTimeOffset at) => Encoding.UTF8.GetBytes($$"""
        {"_links":{"canonical":{"href":"/api/v2/flags/default/new-checkout","type":"application/json"},
          "parent":{"href":"/api/v2/auditlog","type":"application/json"},"self":{"href":"/api/v2/auditlog/{{id}}","type":"application/json"},
          "site":{"href":"/default/production/features/new-checkout","type":"text/html"} },
         "_id":"{{id}}","_accountId":"5c8f3a2b1d4e6f7a8b9c0d1e","date":{{at.ToUnixTimeMilliseconds()}},
         "accesses":[{"action":"updateOn","resource":"proj/default:env/production:flag/new-checkout"}],
         "kind":"flag","name":"New checkout","description":"- Turned on flag\n","shortDescription":"","comment":"Rolling out after the canary",
         "subject":{"_links":{"icon":{"href":"https://www.gravatar.com/avatar/0?d=identicon","type":"image/png"} },"name":"Ada Lovelace","avatarUrl":"https://www.gravatar.com/avatar/0?d=identicon"},
         "member":{"_links":{"parent":{"href":"/api/v2/members","type":"application/json"} },"_id":"5c8f3a2b1d4e6f7a8b9c0d1f","email":"ada@example.org","firstName":"Ada","lastName":"Lovelace"},
         "titleVerb":"turned on the flag",
         "title":"[Ada Lovelace](mailto:ada@example.org) turned on the flag [New checkout](https://app.launchdarkly.com/default/production/features/new-checkout) in `Production`",
         "previousVersion":{"key":"new-checkout","environments":{"production":{"on":false,"version":7} } },
         "currentVersion":{"key":"new-checkout","environments":{"production":{"on":true,"version":8} } },
         "target":{"_links":{"canonical":{"href":"/api/v2/flags/default/new-checkout","type":"application/json"} },"name":"New checkout",
           "resources":["proj/default:env/production:flag/new-checkout;checkout,web"]} }
        """);

    public static WebhookRequest LaunchDarkly(byte[] body) => new(
        body,
        new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["X-LD-Signature"] = HmacSignature.ComputeHex(Secret, body) },
        NoQuery,
        "application/json");

    /// <summary>A ConfigCat delivery of the documented template with two changed settings, signed at <paramref name="at"/>.</summary>
    public static WebhookRequest ConfigCat(DateTimeOffset at)
    {
        var body = Encoding.UTF8.GetBytes("""
            {"configId":"08d8c1d1-3a6b-4c2f-8d3e-5a0b7e2f9c11","configName":"Main Config",
             "environmentId":"08d8c1d1-4c5e-4f7a-8b2a-6c1d2e3f4a5b","environmentName":"Production",
             "changedBy":"Ada Lovelace (ada@example.org)","changeNotes":"Enable the new checkout",
             "url":"https://app.configcat.com/08d8c1d1/08d8c1d1-3a6b/08d8c1d1-4c5e",
             "changeDetails":[{"settingKey":"newCheckout","event":"changed","details":"\r\nnewCheckout: false ➔ true"},
                              {"settingKey":"checkoutTheme","event":"changed","details":"\r\ncheckoutTheme: blue ➔ green"}]}
            """);
        const string id = "b7e2c1d0-5f3a-4e8b-9c1d-2a3b4c5d6e7f";
        var timestamp = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var signed = Encoding.UTF8.GetBytes(id + timestamp).Concat(body).ToArray();
        var signature = Convert.ToBase64String(HmacSignature.Compute(Secret, signed));
        return new WebhookRequest(
            body,
            new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
            {
                ["X-ConfigCat-Webhook-ID"] = id,
                ["X-ConfigCat-Webhook-Timestamp"] = timestamp,
                ["X-ConfigCat-Webhook-Signature-V1"] = "c29tZS1vdGhlci1rZXktc2lnbmF0dXJlLXh4eHh4eHg=," + signature,
            },
            NoQuery,
            "application/json");
    }

    /// <summary>
    /// A k6 handleSummary() document of about <paramref name="targetBytes"/>: the standard metrics plus per-URL
    /// tagged sub-metrics and checks, which is what makes real summaries large.
    /// </summary>
    public static byte[] K6Summary(int targetBytes)
    {
        var text = new StringBuilder(targetBytes + 4096);
        text.Append("""
            {"root_group":{"name":"","path":"","id":"d41d8cd98f00b204e9800998ecf8427e","groups":[],"checks":[
            """);
        for (var i = 0; i < 40; i++)
        {
            text.Append(i == 0 ? "" : ",").Append(CultureInfo.InvariantCulture,
                $$"""{"name":"status is 200 for step {{i}}","path":"::status is 200 for step {{i}}","id":"6210a8cd14cd70477eba5c5e4cb3f{{i:D3}}","passes":1146,"fails":12}""");
        }

        text.Append("""
            ]},"options":{"summaryTrendStats":["avg","min","med","max","p(90)","p(95)","p(99)"],"summaryTimeUnit":"","noColor":false},
            "state":{"isStdOutTTY":false,"isStdErrTTY":false,"testRunDurationMs":60012.5},
            "metrics":{
             "checks":{"type":"rate","contains":"default","values":{"rate":0.9896373056994818,"passes":1146,"fails":12} },
             "http_req_duration":{"type":"trend","contains":"time","values":{"avg":231.4,"min":88.1,"med":201.7,"max":1503.2,"p(90)":402.5,"p(95)":512.3,"p(99)":980.6},"thresholds":{"p(95)<800":{"ok":true} } },
             "http_req_failed":{"type":"rate","contains":"default","values":{"rate":0.010362694300518135,"passes":12,"fails":1146},"thresholds":{"rate<0.05":{"ok":true} } },
             "http_reqs":{"type":"counter","contains":"default","values":{"count":1158,"rate":19.296} }
            """);
        for (var i = 0; text.Length < targetBytes - 200; i++)
        {
            text.Append(CultureInfo.InvariantCulture,
                $$""","http_req_duration{name:https://shop.example.org/api/catalog/items/{{i}}?view=full,status:200}":{"type":"trend","contains":"time","values":{"avg":{{200 + (i % 37)}}.4,"min":88.1,"med":201.7,"max":1503.2,"p(90)":402.5,"p(95)":512.3,"p(99)":980.6} }""");
        }

        text.Append("} }");
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    public static WebhookRequest K6(byte[] body) => new(
        body,
        new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { [GuardianSignature.HeaderName] = GuardianSignature.Sign(Secret, body) },
        new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["guardian"] = "checkout",
            ["purpose"] = "validation",
            ["testId"] = "run-42",
            ["start"] = "2026-11-24T10:00:00Z",
            ["end"] = "2026-11-24T10:01:00Z",
        },
        "application/json");

    /// <summary>A CloudEvents JSON batch of <paramref name="count"/> events: flag changes and finished load tests, alternating.</summary>
    public static byte[] CloudEventsBatch(int count)
    {
        var text = new StringBuilder("[");
        for (var i = 0; i < count; i++)
        {
            text.Append(i == 0 ? "" : ",");
            text.Append(i % 2 == 0
                ? $$"""{"specversion":"1.0","id":"flag-{{i}}","source":"/ci/flags","type":"releaseguardian.flag.changed.v1","time":"2026-11-24T09:54:58Z","data":{"flagKey":"new-checkout","provider":"flagd","current":{"variant":"on"},"previous":{"variant":"off"},"changedAt":"2026-11-24T09:54:58Z","actor":"ci"} }"""
                : $$"""{"specversion":"1.0","id":"run-{{i}}","source":"/ci/loadtests","type":"releaseguardian.loadtest.finished.v1","time":"2026-11-24T10:01:05Z","data":{"guardian":"checkout","testId":"run-{{i}}","tool":"k6","purpose":"validation","start":"2026-11-24T10:00:00Z","end":"2026-11-24T10:01:00Z","signals":{"latency.p95":512.3,"errors.rate":0.012,"traffic.requests":1158} } }""");
        }

        return Encoding.UTF8.GetBytes(text.Append(']').ToString());
    }

    public static WebhookRequest CloudEvents(byte[] body) => new(
        body,
        new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { [GuardianSignature.HeaderName] = GuardianSignature.Sign(Secret, body) },
        NoQuery,
        "application/cloudevents-batch+json");
}
