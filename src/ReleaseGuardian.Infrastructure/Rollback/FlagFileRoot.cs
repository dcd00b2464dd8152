using Microsoft.Extensions.Configuration;

namespace ReleaseGuardian.Infrastructure.Rollback;

/// <summary>
/// The only folder whose flag files the flagd and GO Feature Flag rollbacks may rewrite: <c>FlagFiles:Root</c>.
/// A path is resolved against it (relative paths are taken from it), <c>..</c> segments are refused outright, and
/// symbolic links are followed to where they really lead, which must still be inside the root. Problems name the
/// setting and the path, never anything read from a file.
/// </summary>
internal static class FlagFileRoot
{
    public const string RootKey = "FlagFiles:Root";
    private const int MaxLinkDepth = 32;

    /// <summary>
    /// The real (link-free) full path of <paramref name="path"/> when it is inside the root; otherwise null, with
    /// <paramref name="problem"/> saying why. The file need not exist yet (a PUT is checked before it does).
    /// </summary>
    public static string? Resolve(IConfiguration configuration, string path, string setting, out string? problem)
    {
        problem = null;
        var rootSetting = configuration[RootKey];
        if (string.IsNullOrWhiteSpace(rootSetting))
        {
            problem = $"{setting} names a local file, but {RootKey} is not configured; local flag files are only edited under it";
            return null;
        }

        if (path.Replace('\\', '/').Split('/').Any(segment => segment == ".."))
        {
            problem = $"{setting} must not contain '..' segments";
            return null;
        }

        if (path.IndexOf('\0', StringComparison.Ordinal) >= 0)
        {
            problem = $"{setting} is not a valid path";
            return null;
        }

        // A file:// URI is checked above as written (a URI parser would quietly remove its '..'), then read as a path.
        if (path.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            if (!Uri.TryCreate(path, UriKind.Absolute, out var uri) || !uri.IsFile || Uri.UnescapeDataString(path).Contains("..", StringComparison.Ordinal))
            {
                problem = $"{setting} is not a usable file URI";
                return null;
            }

            path = uri.LocalPath;
        }

        try
        {
            var root = RealPath(Path.GetFullPath(rootSetting.Trim()), 0);
            var full = RealPath(Path.GetFullPath(Path.IsPathRooted(path) ? path : Path.Combine(root, path)), 0);
            if (!IsInside(full, root))
            {
                problem = $"{setting} '{path}' is outside {RootKey} (after following links)";
                return null;
            }

            if (Directory.Exists(full))
            {
                problem = $"{setting} '{path}' is a folder, not a flag file";
                return null;
            }

            return full;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            problem = $"{setting} '{path}' cannot be resolved under {RootKey}";
            return null;
        }
    }

    private static bool IsInside(string full, string root)
    {
        var comparison = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        var folder = Path.EndsInDirectorySeparator(root) ? root : root + Path.DirectorySeparatorChar;
        return full.StartsWith(folder, comparison) && full.Length > folder.Length;
    }

    // The path with every symbolic link along it replaced by where it leads (what realpath(3) does), for parts that
    // exist; the parts that do not exist yet are kept as they are.
    private static string RealPath(string full, int depth)
    {
        if (depth > MaxLinkDepth)
        {
            throw new IOException("too many levels of symbolic links");
        }

        var root = Path.GetPathRoot(full) ?? "/";
        var current = root;
        foreach (var part in full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            var next = Path.Combine(current, part);
            FileSystemInfo info = Directory.Exists(next) ? new DirectoryInfo(next) : new FileInfo(next);
            if (info.Exists || info.LinkTarget is not null)
            {
                if (info.LinkTarget is { } target)
                {
                    var resolved = Path.GetFullPath(target, current);
                    next = RealPath(resolved, depth + 1);
                }
            }

            current = next;
        }

        return current;
    }
}
