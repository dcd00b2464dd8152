using System.Globalization;
using System.Text.Json.Serialization;

namespace ReleaseGuardian.Benchmarks.LoadRun;

/// <summary>
/// <c>loadrun --server-dll PATH --storage CONNECTION [--repeat 3] [--webhooks 2000] [--concurrency 16]
/// [--evaluations 50] [--concurrent-evaluations 60] [--azurite-pid PID] [--output PATH] [--server-log PATH] [--set Key=Value ...]</c>; <c>--set</c> passes extra
/// server settings as environment variables (e.g. <c>--set Workflow__PollInterval=00:00:00.050</c>).
/// </summary>
public sealed class LoadRunOptions
{
    public string ServerDll { get; set; } = "";

    [JsonIgnore]
    public string Storage { get; set; } = "";

    public int Repeat { get; set; } = 3;

    public int Webhooks { get; set; } = 2000;

    public int Concurrency { get; set; } = 16;

    public int Evaluations { get; set; } = 50;

    /// <summary>Healthy evaluations posted by 20 concurrent clients for the evaluations-per-second measure.</summary>
    public int ConcurrentEvaluations { get; set; } = 60;

    public string Output { get; set; } = ".test-results/bench/loadrun.json";

    public string ServerLog { get; set; } = ".test-results/bench/server.log";

    /// <summary>Azurite's process id, to measure its CPU time per operation (eng/bench.sh passes it).</summary>
    public int? AzuritePid { get; set; }

    public Dictionary<string, string> ServerSettings { get; set; } = new(StringComparer.Ordinal);

    public static LoadRunOptions Parse(string[] args)
    {
        var options = new LoadRunOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Count() => int.Parse(Value(), NumberStyles.None, CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--server-dll": options.ServerDll = Value(); break;
                case "--storage": options.Storage = Value(); break;
                case "--repeat": options.Repeat = Count(); break;
                case "--webhooks": options.Webhooks = Count(); break;
                case "--concurrency": options.Concurrency = Count(); break;
                case "--evaluations": options.Evaluations = Count(); break;
                case "--concurrent-evaluations": options.ConcurrentEvaluations = Count(); break;
                case "--output": options.Output = Value(); break;
                case "--azurite-pid": options.AzuritePid = Count(); break;
                case "--server-log": options.ServerLog = Value(); break;
                case "--set":
                    var setting = Value().Split('=', 2);
                    options.ServerSettings[setting[0]] = setting.Length == 2 ? setting[1] : "";
                    break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }

        if (options.ServerDll.Length == 0 || options.Storage.Length == 0)
        {
            throw new ArgumentException("--server-dll and --storage are required (eng/bench.sh sets both)");
        }

        return options;
    }
}

[JsonSerializable(typeof(LoadRunOptions))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class LoadRunJson : JsonSerializerContext;
