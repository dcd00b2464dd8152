using Azure;
using Azure.Core;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ReleaseGuardian.Application.Rollback;
using ReleaseGuardian.Infrastructure.Outbound;

namespace ReleaseGuardian.Infrastructure.Rollback;

/// <summary>
/// flagd: flagd changes only when its sync source changes, so the rollback edits the flag-definition JSON
/// in that source (<see cref="FlagdDefinitionEdit"/>: <c>defaultVariant</c> and/or <c>state</c>).
/// Source: the binding's Settings <c>source</c>, else <c>Providers:flagd:Source</c>. A local path (or
/// file:// URI) is rewritten atomically (temporary file + rename). <c>azblob://container/blob</c> or a blob
/// https URL is read with its ETag and written with If-Match, re-reading on 412; the connection comes from
/// <c>Providers:flagd:BlobConnection</c>, else <c>AzureWebJobsStorage</c>, else Entra ID
/// (<c>Providers:flagd:BlobServiceUri</c> for azblob://).
/// </summary>
public sealed class FlagdRollbackClient(
    IConfiguration configuration,
    ILogger<FlagdRollbackClient> logger,
    IOptions<FlagdRollbackOptions> options,
    IEnumerable<TokenCredential> registeredCredentials)
    : RollbackClientBase(ProviderName, configuration, logger)
{
    /// <summary>The provider name.</summary>
    public const string ProviderName = "flagd";

    private readonly FlagdRollbackOptions _options = options.Value;
    private readonly TokenCredential? _registeredCredential = registeredCredentials.LastOrDefault();

    private protected override async Task<RollbackOutcome> RollBackCoreAsync(RollbackPlan plan, CancellationToken cancellationToken)
    {
        var source = SourceOf(plan);
        if (source is null)
        {
            return MissingReference(plan, "The flagd sync source", $"flag.settings.source or {Settings.KeyOf("Source")}");
        }

        if (IsBlob(source))
        {
            var blob = BlobOf(source, out var missing);
            if (blob is null && missing is null)
            {
                // Only the operator's storage account ever gets the connection or an Entra ID token.
                return new RollbackOutcome.Failed(
                    $"{SettingNameOf(plan)} names a blob on a host that is not the configured storage ({Settings.KeyOf("BlobServiceUri")}, " +
                    $"{Settings.KeyOf("BlobConnection")} or AzureWebJobsStorage); nothing was read or written.",
                    ManualSteps(plan, plan.RestoreTo.Enabled == true), 0);
            }

            return blob is null
                ? MissingSetting(plan, missing!, $"needed to write the flagd source {source}")
                : await RollBackBlobAsync(plan, blob, cancellationToken).ConfigureAwait(false);
        }

        if (Uri.TryCreate(source, UriKind.Absolute, out var uri) && !uri.IsFile)
        {
            return new RollbackOutcome.NotSupported(
                $"flagd source '{source}' is a {uri.Scheme} source; only local files and Azure Blob sources can be written back.");
        }

        return await RollBackFileAsync(plan, source, cancellationToken).ConfigureAwait(false);
    }

    private protected override string ManualSteps(RollbackPlan plan, bool turnOn)
    {
        var source = SourceOf(plan) ?? "(the flagd sync source)";
        var edits = new List<string>();
        if (plan.RestoreTo.Variant is { } variant)
        {
            edits.Add($"\"defaultVariant\": \"{variant}\"");
        }

        if (plan.RestoreTo.Enabled is { } enabled)
        {
            edits.Add($"\"state\": \"{(enabled ? "ENABLED" : "DISABLED")}\"");
        }
        else if (edits.Count == 0)
        {
            edits.Add($"\"state\": \"{(turnOn ? "ENABLED" : "DISABLED")}\"");
        }

        var how = IsBlob(source)
            ? " (download the blob, edit it, upload it back, e.g. az storage blob download/upload --overwrite)"
            : " (write a copy and rename it over the original so flagd never reads half a file)";
        return $"Edit {source}: under flags.{plan.Flag.Key} set {string.Join(" and ", edits)}, keeping everything else{how}. flagd picks the change up by itself.";
    }

    private async Task<RollbackOutcome> RollBackFileAsync(RollbackPlan plan, string path, CancellationToken cancellationToken)
    {
        var setting = SettingNameOf(plan);
        if (FlagFileRoot.Resolve(Configuration, path, setting, out var refused) is not { } real)
        {
            return new RollbackOutcome.Failed($"The flagd flag file was not edited: {refused}.", ManualSteps(plan, plan.RestoreTo.Enabled == true), 0);
        }

        if (!File.Exists(real))
        {
            return new RollbackOutcome.Failed($"The flagd flag file named by {setting} does not exist.", ManualSteps(plan, plan.RestoreTo.Enabled == true), 0);
        }

        if (new FileInfo(real).Length > MaxBytes)
        {
            return new RollbackOutcome.Failed($"The flagd flag file named by {setting} is larger than Outbound:MaxResponseBytes ({MaxBytes:N0} bytes) and was not read.", ManualSteps(plan, plan.RestoreTo.Enabled == true), 0);
        }

        var document = await File.ReadAllTextAsync(real, cancellationToken).ConfigureAwait(false);
        if (!FlagdDefinitionEdit.TryApply(document, plan.Flag.Key, plan.RestoreTo, out var edited, out var changes, out var problem))
        {
            // What the file holds stays in the log; the outcome names the setting only.
            RollbackLog.FileNotEditable(Logger, Provider, plan.Flag.Key, problem);
            return new RollbackOutcome.Failed(
                $"The flagd flag file named by {setting} could not be edited automatically (it is not a flagd definition holding flag '{plan.Flag.Key}' with that variant; details are in the server log).",
                ManualSteps(plan, plan.RestoreTo.Enabled == true), 0);
        }

        await AtomicFile.WriteAllTextAsync(real, edited, cancellationToken).ConfigureAwait(false);
        return new RollbackOutcome.Succeeded($"flagd flag '{plan.Flag.Key}' in {path}: {changes}.", 1);
    }

    // Every read is bounded: the same cap as outbound answers.
    private long MaxBytes => Configuration.GetSection(OutboundOptions.Section).Get<OutboundOptions>()?.EffectiveMaxResponseBytes ?? OutboundOptions.DefaultMaxResponseBytes;

    private string SettingNameOf(RollbackPlan plan) => SettingOf(plan, "source") is null ? Settings.KeyOf("Source") : "flag.settings.source";

    private async Task<RollbackOutcome> RollBackBlobAsync(RollbackPlan plan, BlobClient blob, CancellationToken cancellationToken)
    {
        var max = Math.Max(1, _options.MaxBlobWriteAttempts);
        for (var attempt = 1; attempt <= max; attempt++)
        {
            BlobDownloadDetails details;
            string document;
            try
            {
                // Streamed through the outbound answer cap: a huge blob is abandoned, never held whole.
                var download = (await blob.DownloadStreamingAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
                using (download)
                {
                    details = download.Details;
                    using var reader = new StreamReader(new LimitedReadStream(download.Content, MaxBytes));
                    document = await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            catch (RequestFailedException ex)
            {
                return new RollbackOutcome.Failed(
                    $"Reading the flagd source blob {blob.Uri.GetLeftPart(UriPartial.Path)} failed: HTTP {ex.Status} {ex.ErrorCode}.",
                    ManualSteps(plan, plan.RestoreTo.Enabled == true), attempt - 1);
            }
            catch (OutboundRefusedException ex)
            {
                return new RollbackOutcome.Failed(
                    $"The flagd source blob {blob.Uri.GetLeftPart(UriPartial.Path)} was not edited: {ex.Message}.",
                    ManualSteps(plan, plan.RestoreTo.Enabled == true), attempt - 1);
            }

            if (!FlagdDefinitionEdit.TryApply(document, plan.Flag.Key, plan.RestoreTo, out var edited, out var changes, out var problem))
            {
                RollbackLog.FileNotEditable(Logger, Provider, plan.Flag.Key, problem);
                return new RollbackOutcome.Failed(
                    $"The flagd source blob {blob.Uri.GetLeftPart(UriPartial.Path)} could not be edited automatically (it is not a flagd definition holding flag '{plan.Flag.Key}' with that variant; details are in the server log).",
                    ManualSteps(plan, plan.RestoreTo.Enabled == true), attempt - 1);
            }

            try
            {
                await blob.UploadAsync(BinaryData.FromString(edited), new BlobUploadOptions
                {
                    Conditions = new BlobRequestConditions { IfMatch = details.ETag },
                    HttpHeaders = new BlobHttpHeaders { ContentType = details.ContentType ?? "application/json" },
                }, cancellationToken).ConfigureAwait(false);
                return new RollbackOutcome.Succeeded($"flagd flag '{plan.Flag.Key}' in blob {blob.BlobContainerName}/{blob.Name}: {changes}.", attempt);
            }
            catch (RequestFailedException ex) when (ex.Status == 412)
            {
                RollbackLog.PreconditionFailed(Logger, Provider, plan.Flag.Key, attempt + 1);
            }
            catch (RequestFailedException ex)
            {
                return new RollbackOutcome.Failed(
                    $"Writing the flagd source blob {blob.Uri.GetLeftPart(UriPartial.Path)} failed: HTTP {ex.Status} {ex.ErrorCode}.",
                    ManualSteps(plan, plan.RestoreTo.Enabled == true), attempt);
            }
        }

        return new RollbackOutcome.Failed(
            $"The flagd source blob {blob.Uri.GetLeftPart(UriPartial.Path)} kept changing underneath the rollback: {max} writes failed their ETag precondition (HTTP 412).",
            ManualSteps(plan, plan.RestoreTo.Enabled == true), max);
    }

    private string? SourceOf(RollbackPlan plan) => SettingOf(plan, "source") ?? Settings.Get("Source");

    // Any http(s) URL is treated as a blob source, so a host that merely looks unlike Azure Storage is checked
    // against the configured account too rather than slipping through as something else.
    private static bool IsBlob(string source) =>
        source.StartsWith("azblob://", StringComparison.OrdinalIgnoreCase) ||
        (Uri.TryCreate(source, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp));

    private string? ConnectionString => Settings.Get("BlobConnection") ?? Settings.Root("AzureWebJobsStorage");

    private BlobClient? BlobOf(string source, out string? missingSetting)
    {
        missingSetting = null;
        var connection = ConnectionString;
        if (source.StartsWith("azblob://", StringComparison.OrdinalIgnoreCase))
        {
            var rest = source["azblob://".Length..];
            var slash = rest.IndexOf('/', StringComparison.Ordinal);
            var (container, name) = slash < 0 ? (rest, "") : (rest[..slash], rest[(slash + 1)..]);
            if (connection is not null)
            {
                return new BlobServiceClient(connection, _options.BlobClientOptions).GetBlobContainerClient(container).GetBlobClient(name);
            }

            if (Settings.Get("BlobServiceUri") is { } serviceUri)
            {
                return new BlobServiceClient(new Uri(serviceUri), Credential, _options.BlobClientOptions).GetBlobContainerClient(container).GetBlobClient(name);
            }

            missingSetting = Settings.KeyOf("BlobConnection");
            return null;
        }

        var uri = new Uri(source);
        if (connection is not null)
        {
            var service = new BlobServiceClient(connection, _options.BlobClientOptions);
            if (!SameHost(service.Uri, uri))
            {
                return null;
            }

            var parts = new BlobUriBuilder(uri);
            return service.GetBlobContainerClient(parts.BlobContainerName).GetBlobClient(parts.BlobName);
        }

        // An Entra ID token goes only to the storage account the operator named.
        if (Settings.Get("BlobServiceUri") is not { } configured || !Uri.TryCreate(configured, UriKind.Absolute, out var account) || !SameHost(account, uri))
        {
            if (Settings.Get("BlobServiceUri") is null)
            {
                missingSetting = Settings.KeyOf("BlobServiceUri");
            }

            return null;
        }

        return new BlobClient(uri, Credential, _options.BlobClientOptions);
    }

    private static bool SameHost(Uri a, Uri b) =>
        string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase) &&
        string.Equals(a.IdnHost, b.IdnHost, StringComparison.OrdinalIgnoreCase) &&
        a.Port == b.Port;

    /// <summary>
    /// Why <paramref name="source"/> (a definition's <c>flag.settings.source</c>) is not allowed by the operator's
    /// configuration, or null: a local file must be under <c>FlagFiles:Root</c>, a blob URL on the configured storage.
    /// </summary>
    internal static string? ProblemWithSource(IConfiguration configuration, string source)
    {
        var settings = new ProviderSettings(configuration, ProviderName);
        if (IsBlob(source))
        {
            if (source.StartsWith("azblob://", StringComparison.OrdinalIgnoreCase))
            {
                return null; // Container and blob in the configured account.
            }

            var uri = new Uri(source);
            var connection = settings.Get("BlobConnection") ?? settings.Root("AzureWebJobsStorage");
            Uri? account = null;
            if (connection is not null)
            {
                try
                {
                    account = new BlobServiceClient(connection).Uri;
                }
                catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException)
                {
                    account = null;
                }
            }
            else if (settings.Get("BlobServiceUri") is { } configured)
            {
                Uri.TryCreate(configured, UriKind.Absolute, out account);
            }

            return account is not null && SameHost(account, uri)
                ? null
                : $"names a blob on a host that is not the configured storage ({settings.KeyOf("BlobServiceUri")}, {settings.KeyOf("BlobConnection")} or AzureWebJobsStorage)";
        }

        if (Uri.TryCreate(source, UriKind.Absolute, out var other) && !other.IsFile)
        {
            return null; // Not written back (NotSupported at rollback time).
        }

        return FlagFileRoot.Resolve(configuration, source, "flag.settings.source", out var problem) is null ? problem : null;
    }

    private TokenCredential Credential => _registeredCredential ?? new DefaultAzureCredential();

    private protected override string PriorStateLookup(RollbackPlan plan) =>
        SourceOf(plan) is { } source && !IsBlob(source)
            ? $"the flag file's history: git log -p -- {source} (look at '{plan.Flag.Key}': state and defaultVariant)"
            : $"the previous version of the flagd source (git history of the definition, or the blob's earlier versions: az storage blob list --include v --auth-mode login), flag '{plan.Flag.Key}'";
}
