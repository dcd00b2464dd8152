using System.Text.Json;

namespace ReleaseGuardian.Demo.Checkout;

/// <summary>
/// Keeps a flag's evaluation current while its flagd file changes underneath: a <see cref="FileSystemWatcher"/>
/// marks it stale, and every read also compares the file's time stamp and length, because watchers can miss
/// a rename. A file that cannot be parsed (caught mid-edit by a non-atomic writer) keeps the last good
/// evaluation, as flagd does.
/// </summary>
public sealed class FlagdFileWatcher : IDisposable
{
    private readonly string _path;
    private readonly string _flagKey;
    private readonly FileSystemWatcher _watcher;
    private readonly Lock _gate = new();
    private readonly List<string> _versions = [];
    private FlagdBooleanFlag _current;
    private (DateTime Written, long Length) _stamp;
    private volatile bool _stale = true;

    /// <summary>Watches <paramref name="path"/> for <paramref name="flagKey"/>.</summary>
    public FlagdFileWatcher(string path, string flagKey)
    {
        _path = Path.GetFullPath(path);
        _flagKey = flagKey;
        _current = FlagdBooleanFlag.Parse("{}", flagKey);
        _watcher = new FileSystemWatcher(Path.GetDirectoryName(_path)!, Path.GetFileName(_path))
        {
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size | NotifyFilters.CreationTime,
        };
        _watcher.Changed += (_, _) => _stale = true;
        _watcher.Created += (_, _) => _stale = true;
        _watcher.Renamed += (_, _) => _stale = true;
        _watcher.EnableRaisingEvents = true;
        _ = Definition;
    }

    /// <summary>The flag's evaluation now, for no particular user (a fractional rule then serves its default variant).</summary>
    public FlagEvaluation Current => Definition.Evaluate(null);

    /// <summary>
    /// Each different form of the flag this watcher read, in order (<see cref="FlagdBooleanFlag.Summary"/>): what the
    /// service served over time, e.g. <c>'off'</c>, <c>fractional 10% 'on' / 90% 'off'</c>, <c>'off'</c>.
    /// </summary>
    public IReadOnlyList<string> Versions
    {
        get
        {
            _ = Definition;
            lock (_gate)
            {
                return [.. _versions];
            }
        }
    }

    /// <summary>The flag as the file defines it now.</summary>
    public FlagdBooleanFlag Definition
    {
        get
        {
            var info = new FileInfo(_path);
            var stamp = info.Exists ? (info.LastWriteTimeUtc, info.Length) : (DateTime.MinValue, -1L);
            if (!_stale && stamp == _stamp)
            {
                return _current;
            }

            lock (_gate)
            {
                _stale = false;
                _stamp = stamp;
                try
                {
                    _current = FlagdBooleanFlag.Parse(File.ReadAllText(_path), _flagKey);
                    if (_versions.Count == 0 || _versions[^1] != _current.Summary)
                    {
                        _versions.Add(_current.Summary);
                    }
                }
                catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
                {
                    _stale = true;
                }

                return _current;
            }
        }
    }

    /// <inheritdoc />
    public void Dispose() => _watcher.Dispose();
}
