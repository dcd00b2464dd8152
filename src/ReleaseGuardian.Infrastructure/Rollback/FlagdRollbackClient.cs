using Azure;
using Azure.Core;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ReleaseGuardian.Application.Rollback;

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
            return blob is null
                ? MissingSetting(plan, missing!, $"needed to write the flagd source {source}")
                : await RollBackBlobAsync(plan, blob, cancellationToken).ConfigureAwait(false);
        }

        if (Uri.TryCreate(source, UriKind.Absolute, out var uri) && !uri.IsFile)
        {
            return new RollbackOutcome.NotSupported(
                $"flagd source '{source}' is a {uri.Scheme} source; only local files and Azure Blob sources can be written back.");
        }

        return await RollBackFileAsync(plan, uri?.IsFile == true ? uri.LocalPath : source, cancellationToken).ConfigureAwait(false);
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
        if (!File.Exists(path))
        {
            return new RollbackOutcome.Failed($"The flagd flag file '{path}' does not exist.", ManualSteps(plan, plan.RestoreTo.Enabled == true), 0);
        }

        var document = await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
        if (!FlagdDefinitionEdit.TryApply(document, plan.Flag.Key, plan.RestoreTo, out var edited, out var changes, out var problem))
        {
            return new RollbackOutcome.Failed($"The flagd flag file '{path}' could not be edited: {problem}.", ManualSteps(plan, plan.RestoreTo.Enabled == true), 0);
        }

        await AtomicFile.WriteAllTextAsync(path, edited, cancellationToken).ConfigureAwait(false);
        return new RollbackOutcome.Succeeded($"flagd flag '{plan.Flag.Key}' in {path}: {changes}.", 1);
    }

    private async Task<RollbackOutcome> RollBackBlobAsync(RollbackPlan plan, BlobClient blob, CancellationToken cancellationToken)
    {
        var max = Math.Max(1, _options.MaxBlobWriteAttempts);
        for (var attempt = 1; attempt <= max; attempt++)
        {
            BlobDownloadResult download;
            try
            {
                download = (await blob.DownloadContentAsync(cancellationToken).ConfigureAwait(false)).Value;
            }
            catch (RequestFailedException ex)
            {
                return new RollbackOutcome.Failed(
                    $"Reading the flagd source blob {blob.Uri.GetLeftPart(UriPartial.Path)} failed: HTTP {ex.Status} {ex.ErrorCode}.",
                    ManualSteps(plan, plan.RestoreTo.Enabled == true), attempt - 1);
            }

            if (!FlagdDefinitionEdit.TryApply(download.Content.ToString(), plan.Flag.Key, plan.RestoreTo, out var edited, out var changes, out var problem))
            {
                return new RollbackOutcome.Failed(
                    $"The flagd source blob {blob.Uri.GetLeftPart(UriPartial.Path)} could not be edited: {problem}.",
                    ManualSteps(plan, plan.RestoreTo.Enabled == true), attempt - 1);
            }

            try
            {
                await blob.UploadAsync(BinaryData.FromString(edited), new BlobUploadOptions
                {
                    Conditions = new BlobRequestConditions { IfMatch = download.Details.ETag },
                    HttpHeaders = new BlobHttpHeaders { ContentType = download.Details.ContentType ?? "application/json" },
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

    private static bool IsBlob(string source) =>
        source.StartsWith("azblob://", StringComparison.OrdinalIgnoreCase) ||
        (Uri.TryCreate(source, UriKind.Absolute, out var uri) &&
         uri.Host.Contains(".blob.core.", StringComparison.OrdinalIgnoreCase));

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
            var parts = new BlobUriBuilder(uri);
            return new BlobServiceClient(connection, _options.BlobClientOptions).GetBlobContainerClient(parts.BlobContainerName).GetBlobClient(parts.BlobName);
        }

        return new BlobClient(uri, Credential, _options.BlobClientOptions);
    }

    private TokenCredential Credential => _registeredCredential ?? new DefaultAzureCredential();

    private protected override string PriorStateLookup(RollbackPlan plan) =>
        SourceOf(plan) is { } source && !IsBlob(source)
            ? $"the flag file's history: git log -p -- {source} (look at '{plan.Flag.Key}': state and defaultVariant)"
            : $"the previous version of the flagd source (git history of the definition, or the blob's earlier versions: az storage blob list --include v --auth-mode login), flag '{plan.Flag.Key}'";
}
