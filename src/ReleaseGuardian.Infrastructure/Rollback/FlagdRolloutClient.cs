using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using ReleaseGuardian.Application.Releases;
using ReleaseGuardian.Core.Definitions;
using ReleaseGuardian.Infrastructure.Outbound;

namespace ReleaseGuardian.Infrastructure.Rollback;

/// <summary>
/// flagd rollouts: the release edits the flag's object in the flag file flagd syncs from, the same source the flagd
/// rollback edits (<c>flag.settings.source</c>, else <c>Providers:flagd:Source</c>), confined to <c>FlagFiles:Root</c>
/// and replaced atomically with its mode and owner kept (<see cref="AtomicFile"/>). A rollout serves the new variant
/// to p% through fractional targeting and the pre-release default variant to the rest; a restore writes the captured
/// flag object back byte for byte. Only <c>flags.&lt;key&gt;</c> is ever rewritten.
/// Blob and remote sources are refused for now (the rollback handles them; a release needs the file).
/// </summary>
public sealed class FlagdRolloutClient(IConfiguration configuration, ILogger<FlagdRolloutClient> logger) : IFlagRolloutClient
{
    private readonly ProviderSettings _settings = new(configuration, FlagdRollbackClient.ProviderName);

    /// <inheritdoc />
    public string Provider => FlagdRollbackClient.ProviderName;

    /// <inheritdoc />
    public bool SupportsPercentages => true;

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The flag cannot be read (no source, refused source, no such flag); the message names the setting, never the file's content.</exception>
    public async Task<FlagRolloutSnapshot> CaptureAsync(FlagBinding flag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(flag);
        var (file, refused) = await ReadAsync(flag, cancellationToken).ConfigureAwait(false);
        if (file is null)
        {
            throw new InvalidOperationException(refused);
        }

        return file.Snapshot(null);
    }

    /// <inheritdoc />
    public async Task<RolloutWriteResult> SetRolloutAsync(FlagBinding flag, FlagRolloutSnapshot preRelease, int percent, string? variant, string reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(flag);
        ArgumentNullException.ThrowIfNull(preRelease);
        if (percent is < 1 or > 100)
        {
            return new RolloutWriteResult(false, $"A rollout is 1 to 100 percent, not {percent}.", null);
        }

        if (FlagdFlagText.Read(preRelease.State) is not { } before)
        {
            return new RolloutWriteResult(false, $"The captured pre-release state of flagd flag '{flag.Key}' is not a flag object; nothing was written.", null);
        }

        if (FlagdFlagText.RolledOutVariant(before, variant, out var problem) is not { } rolledOut)
        {
            return new RolloutWriteResult(false, $"flagd flag '{flag.Key}' {problem}; nothing was written.", null);
        }

        if (FlagdFlagText.DefaultVariant(before) is not { } fallback)
        {
            return new RolloutWriteResult(false, $"flagd flag '{flag.Key}' has no defaultVariant to serve the users outside the rollout; nothing was written.", null);
        }

        if (fallback == rolledOut)
        {
            return new RolloutWriteResult(false, $"flagd flag '{flag.Key}' already serves '{rolledOut}' by default before the release; there is nothing to roll out.", null);
        }

        var text = FlagdFlagText.WithRollout(before, rolledOut, fallback, percent);
        FlagdRolloutLog.SettingRollout(logger, flag.Key, percent, rolledOut, reason);
        return await WriteAsync(flag, text, variant, $"flagd flag '{flag.Key}' serves '{rolledOut}' to {percent}% and '{fallback}' to {100 - percent}%", cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<RolloutWriteResult> RestoreAsync(FlagBinding flag, FlagRolloutSnapshot preRelease, string reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(flag);
        ArgumentNullException.ThrowIfNull(preRelease);
        if (FlagdFlagText.Read(preRelease.State) is null)
        {
            return new RolloutWriteResult(false, $"The captured pre-release state of flagd flag '{flag.Key}' is not a flag object; nothing was written.", null);
        }

        FlagdRolloutLog.Restoring(logger, flag.Key, reason);
        return await WriteAsync(flag, preRelease.State, null, $"flagd flag '{flag.Key}' restored to its pre-release state ({preRelease.Summary})", cancellationToken).ConfigureAwait(false);
    }

    private async Task<RolloutWriteResult> WriteAsync(FlagBinding flag, string flagText, string? variant, string done, CancellationToken cancellationToken)
    {
        var (file, refused) = await ReadAsync(flag, cancellationToken).ConfigureAwait(false);
        if (file is null)
        {
            return new RolloutWriteResult(false, refused, null);
        }

        var edited = FlagdFlagText.Splice(file.Bytes, file.Start, file.Length, flagText);
        if (!edited.AsSpan().SequenceEqual(file.Bytes))
        {
            // AtomicFile writes UTF-8 without a BOM of its own; a BOM the file had is kept as the text's first character.
            await AtomicFile.WriteAllTextAsync(file.Path, Encoding.UTF8.GetString(edited), cancellationToken).ConfigureAwait(false);
        }

        var (after, _) = await ReadAsync(flag, cancellationToken).ConfigureAwait(false);
        return new RolloutWriteResult(true, done + ".", after?.Snapshot(variant));
    }

    private async Task<(FlagFile? File, string Refused)> ReadAsync(FlagBinding flag, CancellationToken cancellationToken)
    {
        var fromDefinition = flag.Settings.TryGetValue("source", out var own) && !string.IsNullOrWhiteSpace(own);
        var setting = fromDefinition ? "flag.settings.source" : _settings.KeyOf("Source");
        var source = fromDefinition ? own!.Trim() : _settings.Get("Source");
        if (source is null)
        {
            return (null, $"The flagd sync source is not set: give flag.settings.source or {_settings.KeyOf("Source")}.");
        }

        if (source.StartsWith("azblob://", StringComparison.OrdinalIgnoreCase) ||
            (Uri.TryCreate(source, UriKind.Absolute, out var uri) && !uri.IsFile))
        {
            return (null, $"The flagd source named by {setting} is not a local file; release rollouts edit local flag files under {FlagFileRoot.RootKey} only.");
        }

        if (FlagFileRoot.Resolve(configuration, source, setting, out var problem) is not { } path)
        {
            return (null, $"The flagd flag file was not read: {problem}.");
        }

        if (!File.Exists(path))
        {
            return (null, $"The flagd flag file named by {setting} does not exist.");
        }

        if (new FileInfo(path).Length > MaxBytes)
        {
            return (null, $"The flagd flag file named by {setting} is larger than Outbound:MaxResponseBytes ({MaxBytes:N0} bytes) and was not read.");
        }

        var bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        if (!FlagdFlagText.TryLocate(bytes, flag.Key, out var start, out var length, out var located))
        {
            RollbackLog.FileNotEditable(logger, Provider, flag.Key, located);
            return (null, $"The flagd flag file named by {setting} holds no usable flag '{flag.Key}' ({located}).");
        }

        var text = Encoding.UTF8.GetString(bytes, start, length);
        return FlagdFlagText.Read(text) is { } obj
            ? (new FlagFile(path, bytes, start, length, text, obj), "")
            : (null, $"The flagd flag file named by {setting} holds flag '{flag.Key}' in a form that cannot be read.");
    }

    // Every read is bounded: the same cap as outbound answers.
    private long MaxBytes => configuration.GetSection(OutboundOptions.Section).Get<OutboundOptions>()?.EffectiveMaxResponseBytes ?? OutboundOptions.DefaultMaxResponseBytes;

    private sealed record FlagFile(string Path, byte[] Bytes, int Start, int Length, string Text, System.Text.Json.Nodes.JsonObject Flag)
    {
        public FlagRolloutSnapshot Snapshot(string? variant)
        {
            var rolledOut = FlagdFlagText.RolledOutVariant(Flag, variant, out _);
            var variants = Flag["variants"] as System.Text.Json.Nodes.JsonObject;
            return new FlagRolloutSnapshot(
                FlagdRollbackClient.ProviderName,
                Text,
                FlagdFlagText.PercentServing(Flag, rolledOut),
                FlagdFlagText.Fingerprint(Flag),
                variants is { Count: >= 2 },
                FlagdFlagText.Summary(Flag));
        }
    }
}

/// <summary>flagd rollout log messages; the flag file's content is never logged.</summary>
internal static partial class FlagdRolloutLog
{
    [LoggerMessage(EventId = 4150, Level = LogLevel.Information,
        Message = "Setting flagd flag {FlagKey} to serve {Variant} to {Percent}% ({Reason})")]
    public static partial void SettingRollout(ILogger logger, string flagKey, int percent, string variant, string reason);

    [LoggerMessage(EventId = 4151, Level = LogLevel.Information,
        Message = "Restoring flagd flag {FlagKey} to its pre-release state ({Reason})")]
    public static partial void Restoring(ILogger logger, string flagKey, string reason);
}
