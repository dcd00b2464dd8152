namespace ReleaseGuardian.Cli;

/// <summary>
/// The entry point of the <c>guardian</c> command. It lives in a namespace rather than in top-level statements
/// because the CLI tests also reference the standalone server, whose public <c>Program</c> sits in the global
/// namespace; two global <c>Program</c> types would be ambiguous there.
/// </summary>
internal static class Program
{
    private static int Main(string[] args) => GuardianCli.Run(args, Console.Out, Console.Error);
}
