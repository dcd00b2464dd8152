using Microsoft.Extensions.FileProviders;

namespace ReleaseGuardian.Server.Dashboard;

/// <summary>
/// The dashboard's files (wwwroot: index.html, dashboard.css, dashboard.js), embedded in this assembly so the
/// page is served the same wherever the host runs (its own process, or in-process from <c>guardian demo</c>)
/// and the demo's report can inline exactly the same code.
/// </summary>
public static class DashboardAssets
{
    private const string Namespace = "ReleaseGuardian.Server.wwwroot";

    /// <summary>The files, for <c>UseDefaultFiles</c> and <c>UseStaticFiles</c>.</summary>
    public static IFileProvider Files { get; } = new EmbeddedFileProvider(typeof(DashboardAssets).Assembly, Namespace);

    /// <summary>One file's text, e.g. <c>dashboard.js</c>.</summary>
    public static string Read(string name)
    {
        using var stream = typeof(DashboardAssets).Assembly.GetManifestResourceStream($"{Namespace}.{name}")
                           ?? throw new FileNotFoundException($"the dashboard file '{name}' is not embedded in {typeof(DashboardAssets).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
