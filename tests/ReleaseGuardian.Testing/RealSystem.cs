namespace ReleaseGuardian.Testing;

/// <summary>
/// The real third-party systems eng/test.sh installs and starts (docs/real-systems.md), found through the
/// environment variables it exports. A missing one fails the test with the reason; it never skips.
/// </summary>
public static class RealSystem
{
    /// <summary>Base URL of the real Unleash 8 (on PostgreSQL 15).</summary>
    public const string UnleashUrl = "RELEASEGUARDIAN_TEST_UNLEASH_URL";

    /// <summary>Unleash admin token named 'release-guardian': what Release Guardian rolls back with.</summary>
    public const string UnleashAdminToken = "RELEASEGUARDIAN_TEST_UNLEASH_ADMIN_TOKEN";

    /// <summary>Unleash admin token named 'release-manager': the person whose release is judged.</summary>
    public const string UnleashOperatorToken = "RELEASEGUARDIAN_TEST_UNLEASH_OPERATOR_TOKEN";

    /// <summary>Path of the real Artillery 2 executable.</summary>
    public const string Artillery = "RELEASEGUARDIAN_TEST_ARTILLERY";

    /// <summary>Path of the real Prometheus executable.</summary>
    public const string Prometheus = "RELEASEGUARDIAN_TEST_PROMETHEUS";

    /// <summary>
    /// The value of <paramref name="variable"/>; fails with what went wrong when eng/test.sh could not provide it
    /// (<c>{system}_PROBLEM</c>, e.g. RELEASEGUARDIAN_TEST_UNLEASH_PROBLEM) or when the test runs outside eng/test.sh.
    /// </summary>
    public static string Require(string variable, string system)
    {
        var value = Environment.GetEnvironmentVariable(variable);
        if (!string.IsNullOrWhiteSpace(value))
        {
            return value;
        }

        var problem = Environment.GetEnvironmentVariable($"RELEASEGUARDIAN_TEST_{system.ToUpperInvariant()}_PROBLEM");
        throw new InvalidOperationException(
            $"{variable} is not set: this test runs against a real {system}. " +
            (string.IsNullOrWhiteSpace(problem)
                ? "Run it with eng/test.sh, which installs and starts it (docs/real-systems.md says how to start it by hand)."
                : problem));
    }
}
