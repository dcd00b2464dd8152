using ReleaseGuardian.Cli;

return GuardianCli.Run(args, Console.Out, Console.Error);
