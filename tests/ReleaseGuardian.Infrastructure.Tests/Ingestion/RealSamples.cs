namespace ReleaseGuardian.Infrastructure.Tests.Ingestion;

/// <summary>
/// Deliveries and result files the services themselves wrote (their docs, source or test fixtures), kept
/// under <c>Samples/real/{service}/</c>; <c>Samples/real/README.md</c> names the source of each one.
/// </summary>
internal static class RealSamples
{
    public static byte[] Load(string service, string file) =>
        File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Samples", "real", service, file));
}
