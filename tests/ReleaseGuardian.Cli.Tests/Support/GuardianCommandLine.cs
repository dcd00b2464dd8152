namespace ReleaseGuardian.Cli.Tests.Support;

/// <summary>What one in-process <c>guardian</c> invocation printed and returned.</summary>
public sealed record CliResult(int ExitCode, string Out, string Err)
{
    /// <summary>Everything printed, for assertions that something never appears anywhere.</summary>
    public string All => Out + Err;

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Out}\n--- stderr\n{Err}";
}

/// <summary>Runs the <c>guardian</c> command line in-process, capturing both streams.</summary>
public static class GuardianCommandLine
{
    public static CliResult Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = GuardianCli.Run(args, output, error);
        return new CliResult(exitCode, output.ToString(), error.ToString());
    }
}

/// <summary>
/// Sets environment variables for the life of a test and restores them after. Only tests in the Azurite
/// collection use it: that collection runs its tests one at a time, and no other test reads these variables.
/// </summary>
public sealed class EnvironmentScope : IDisposable
{
    private readonly Dictionary<string, string?> _saved = [];

    public EnvironmentScope(params (string Name, string? Value)[] variables)
    {
        foreach (var (name, value) in variables)
        {
            _saved[name] = Environment.GetEnvironmentVariable(name);
            Environment.SetEnvironmentVariable(name, value);
        }
    }

    /// <summary>A scope in which none of the CLI's variables is set, whatever the machine has.</summary>
    public static EnvironmentScope Clean() => new(
        ("GUARDIAN_SERVER", null), ("GUARDIAN_API_KEY", null), ("GUARDIAN_WEBHOOK_SECRET", null));

    public void Dispose()
    {
        foreach (var (name, value) in _saved)
        {
            Environment.SetEnvironmentVariable(name, value);
        }
    }
}
