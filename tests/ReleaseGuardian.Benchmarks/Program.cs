using BenchmarkDotNet.Running;
using ReleaseGuardian.Benchmarks.LoadRun;

// 'loadrun ...' drives the standalone server on loopback (eng/bench.sh); anything else goes to BenchmarkDotNet.
if (args.Length > 0 && args[0] == "loadrun")
{
    return await LoadRunner.RunAsync(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
