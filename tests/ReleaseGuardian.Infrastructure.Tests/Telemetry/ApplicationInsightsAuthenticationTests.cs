using Azure.Identity;
using CsCheck;
using Microsoft.Extensions.Configuration;
using ReleaseGuardian.Infrastructure.Telemetry;

namespace ReleaseGuardian.Infrastructure.Tests.Telemetry;

public sealed class ApplicationInsightsAuthenticationTests
{
    private const string ClientId = "6d7e8f9a-0b1c-4d2e-8f3a-4b5c6d7e8f9a";

    // Where each sample comes from:
    // - "ClientId=<id>;Authorization=AAD": the value Azure's azd Flex Consumption templates write
    //   (Azure-Samples/functions-quickstart-dotnet-azd infra/app/api.bicep) and this repository's infra/modules/functionapp.bicep.
    // - "Authorization=AAD;ClientId=<id>" and "Authorization=AAD": the two forms the Functions app settings reference documents
    //   for a user-assigned and the system-assigned identity.
    [Theory]
    [InlineData("ClientId=" + ClientId + ";Authorization=AAD", ClientId)]
    [InlineData("Authorization=AAD;ClientId=" + ClientId, ClientId)]
    [InlineData("Authorization=AAD", null)]
    public void The_documented_forms_name_the_identity_to_use(string value, string? clientId)
    {
        Assert.True(ApplicationInsightsAuthentication.TryParse(value, out var authentication, out var problem), problem);
        Assert.Equal(clientId, authentication.ClientId);
    }

    // The Functions host's own parser (azure-functions-host, WebJobs.Logging.ApplicationInsights TokenCredentialOptions) skips
    // empty parts and parts without '=', ignores unknown keys, trims, and compares keys and AAD without regard to case. The
    // worker reads the same setting, so it must accept the same strings: one accepted by the host and refused here would stop
    // the worker while the host runs on.
    [Theory]
    [InlineData(" authorization = aad ; clientid = " + ClientId + " ;", ClientId)]
    [InlineData(";;Authorization=AAD;;", null)]
    [InlineData("Authorization=AAD;Note;Region=westeurope", null)]
    public void Spacing_case_empty_parts_and_unknown_keys_are_accepted_as_the_host_accepts_them(string value, string? clientId)
    {
        Assert.True(ApplicationInsightsAuthentication.TryParse(value, out var authentication, out var problem), problem);
        Assert.Equal(clientId, authentication.ClientId);
    }

    [Theory]
    [InlineData("ClientId=" + ClientId, "Authorization=AAD is missing")]
    [InlineData("Authorization=Key;ClientId=" + ClientId, "Authorization must be AAD")]
    [InlineData("Authorization=AAD;ClientId=my-identity", "ClientId is not a GUID")]
    [InlineData("Authorization=AAD;ClientId=", "ClientId is not a GUID")]
    [InlineData("AAD", "Authorization=AAD is missing")]
    [InlineData("   ", "it is empty")]
    public void A_malformed_string_is_refused_with_what_is_wrong(string value, string expected)
    {
        Assert.False(ApplicationInsightsAuthentication.TryParse(value, out var authentication, out var problem));
        Assert.Null(authentication);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Any_order_and_casing_of_the_two_pairs_among_other_pairs_yields_the_client_id() =>
        Gen.Select(Gen.Guid, Gen.Bool, Gen.Bool, Gen.String.AlphaNumeric.Array[0, 3])
            .Sample((id, clientFirst, upper, noise) =>
            {
                var authorization = upper ? "AUTHORIZATION=aad" : "Authorization=AAD";
                var client = $"{(upper ? "CLIENTID" : "ClientId")}={id:D}";
                var parts = noise.Select((text, i) => $"X{i}={text}").ToList();
                parts.Insert(parts.Count / 2, clientFirst ? client : authorization);
                parts.Add(clientFirst ? authorization : client);

                Assert.True(ApplicationInsightsAuthentication.TryParse(string.Join(';', parts), out var authentication, out var problem), problem);
                Assert.Equal(id, Guid.Parse(authentication.ClientId!));
            });

    [Fact]
    public void A_string_without_the_authorization_pair_is_never_accepted() =>
        Gen.String.Where(s => !s.Contains("authorization", StringComparison.OrdinalIgnoreCase))
            .Sample(value => Assert.False(ApplicationInsightsAuthentication.TryParse(value, out _, out _)));

    [Fact]
    public void A_refusal_never_repeats_the_value() =>
        Gen.String[Gen.Char.AlphaNumeric, 8, 40].Sample(secretish =>
        {
            Assert.False(ApplicationInsightsAuthentication.TryParse($"Authorization=AAD;ClientId={secretish}x", out _, out var problem));
            Assert.DoesNotContain(secretish, problem, StringComparison.Ordinal);
        });

    [Fact]
    public void An_absent_or_blank_setting_means_key_based_ingestion()
    {
        Assert.Null(ApplicationInsightsAuthentication.FromConfiguration(Configuration(null)));
        Assert.Null(ApplicationInsightsAuthentication.FromConfiguration(Configuration("")));
    }

    [Fact]
    public void A_malformed_setting_stops_startup_naming_the_setting()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            ApplicationInsightsAuthentication.FromConfiguration(Configuration("Authorization=AAD;ClientId=not-a-guid")));

        Assert.StartsWith("APPLICATIONINSIGHTS_AUTHENTICATION_STRING is not valid: ClientId is not a GUID", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_setting_read_from_configuration_gives_a_managed_identity_credential()
    {
        var authentication = ApplicationInsightsAuthentication.FromConfiguration(Configuration($"ClientId={ClientId};Authorization=AAD"));

        Assert.Equal(new ApplicationInsightsAuthentication(ClientId), authentication);
        Assert.IsType<ManagedIdentityCredential>(authentication!.CreateCredential());
        Assert.IsType<ManagedIdentityCredential>(new ApplicationInsightsAuthentication(null).CreateCredential());
    }

    private static IConfiguration Configuration(string? value) => new ConfigurationBuilder()
        .AddInMemoryCollection(new Dictionary<string, string?> { [ApplicationInsightsAuthentication.SettingName] = value })
        .Build();
}
