using ReleaseGuardian.Server.Composition;

var app = GuardianServerApp.Create(args);
app.Run();

/// <summary>The standalone host's entry point (public for the integration tests' WebApplicationFactory).</summary>
public partial class Program;
