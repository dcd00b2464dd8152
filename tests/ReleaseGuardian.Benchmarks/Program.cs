using BenchmarkDotNet.Running;
using ReleaseGuardian.Benchmarks.LoadRun;

// 'loadrun ...' drives the standalone server on loopback (eng/bench.sh); 'cloudevents-errors' compares the CloudEvents
// reader's errors with the CNCF SDK's; anything else goes to BenchmarkDotNet.
if (args.Length > 0 && args[0] == "loadrun")
{
    return await LoadRunner.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "cloudevents-errors")
{
    return await ReleaseGuardian.Benchmarks.Ingestion.CloudEventsErrorPrecision.RunAsync();
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
