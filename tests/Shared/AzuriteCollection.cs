using ReleaseGuardian.Testing;

namespace ReleaseGuardian.Testing;

/// <summary>
/// Shares one Azurite across the test classes of an assembly that declare <c>[Collection(AzuriteCollection.Name)]</c>.
/// xUnit wants collection definitions in the test assembly itself, so this file is compiled into each one.
/// </summary>
[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Azurite";
}
