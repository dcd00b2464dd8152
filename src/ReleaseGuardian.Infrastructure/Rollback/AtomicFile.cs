using System.Runtime.InteropServices;
using System.Text;

namespace ReleaseGuardian.Infrastructure.Rollback;

/// <summary>
/// Replaces a file's content in one rename, so a process watching it (flagd, the GO Feature Flag relay
/// proxy) never reads a half-written file: the new content goes to a temporary file in the same folder
/// (same file system, so the rename is atomic) and is then moved over the original. The file keeps its
/// permissions (the temporary file is created with them, so the content is never more readable than before) and,
/// on Linux, its owner and group: where the process cannot give the temporary file the original owner, the file is
/// rewritten in place instead, which keeps owner and mode at the cost of atomicity.
/// </summary>
internal static class AtomicFile
{
    public static async Task WriteAllTextAsync(string path, string content, CancellationToken cancellationToken)
    {
        var full = Path.GetFullPath(path);
        var bytes = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(content);
        var folder = Path.GetDirectoryName(full) ?? ".";
        var temporary = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        var unix = !OperatingSystem.IsWindows();
        var mode = unix && File.Exists(full) ? File.GetUnixFileMode(full) : (UnixFileMode?)null;
        var owner = unix && File.Exists(full) ? Owner.Of(full) : null;
        try
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                Options = FileOptions.Asynchronous,
            };
            if (mode is { } createMode && !OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = createMode & (UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            await using (var stream = new FileStream(temporary, options))
            {
                await stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            if (mode is { } originalMode && !OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temporary, originalMode);
            }

            if (owner is not null && !owner.Matches(temporary) && !owner.ApplyTo(temporary))
            {
                // A rename would hand the file to this process's user; rewrite it in place so it keeps its owner.
                File.Delete(temporary);
                await RewriteInPlaceAsync(full, bytes, cancellationToken).ConfigureAwait(false);
                return;
            }

            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }

    private static async Task RewriteInPlaceAsync(string full, byte[] bytes, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(full, FileMode.Open, FileAccess.Write, FileShare.Read, 4096, FileOptions.Asynchronous);
        stream.SetLength(0);
        await stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>A file's owner and group, read with statx(2); null where that is not available (not Linux).</summary>
    private sealed class Owner(uint uid, uint gid)
    {
        private const int AtFdCwd = -100;
        private const uint StatxUid = 0x8;
        private const uint StatxGid = 0x10;

        public static Owner? Of(string path)
        {
            if (!OperatingSystem.IsLinux())
            {
                return null;
            }

            try
            {
                // struct statx is 256 bytes on every Linux architecture; stx_uid is at offset 20, stx_gid at 24.
                var buffer = new byte[256];
                if (Statx(AtFdCwd, path, 0, StatxUid | StatxGid, buffer) != 0)
                {
                    return null;
                }

                return new Owner(BitConverter.ToUInt32(buffer, 20), BitConverter.ToUInt32(buffer, 24));
            }
            catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
            {
                return null;
            }
        }

        public bool Matches(string path) => Of(path) is { } other && other.Uid == Uid && other.Gid == Gid;

        public bool ApplyTo(string path)
        {
            try
            {
                return Chown(path, Uid, Gid) == 0;
            }
            catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
            {
                return false;
            }
        }

        public uint Uid { get; } = uid;

        public uint Gid { get; } = gid;

        // DllImport rather than LibraryImport: the generator needs unsafe code enabled for the whole project.
        // On Unix, Ansi strings are marshalled as UTF-8, which is what the kernel takes.
#pragma warning disable SYSLIB1054, CA2101
        [DllImport("libc", EntryPoint = "statx", CharSet = CharSet.Ansi, SetLastError = true)]
        private static extern int Statx(int dirfd, string path, int flags, uint mask, byte[] buffer);

        [DllImport("libc", EntryPoint = "chown", CharSet = CharSet.Ansi, SetLastError = true)]
        private static extern int Chown(string path, uint owner, uint group);
#pragma warning restore SYSLIB1054, CA2101
    }
}
