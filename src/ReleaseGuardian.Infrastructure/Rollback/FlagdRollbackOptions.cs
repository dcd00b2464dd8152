using Azure.Storage.Blobs;

namespace ReleaseGuardian.Infrastructure.Rollback;

/// <summary>Code-level options of the flagd rollback (configure with <c>services.Configure&lt;FlagdRollbackOptions&gt;</c>).</summary>
public sealed class FlagdRollbackOptions
{
    /// <summary>Options for the blob clients used for <c>azblob://</c> and blob URL sources (retries, diagnostics, extra pipeline policies).</summary>
    public BlobClientOptions BlobClientOptions { get; set; } = new();

    /// <summary>How often a blob write is tried when another writer changed the blob in between (412). Default 5.</summary>
    public int MaxBlobWriteAttempts { get; set; } = 5;
}
