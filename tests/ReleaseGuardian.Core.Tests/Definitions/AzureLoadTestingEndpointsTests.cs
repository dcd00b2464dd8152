using CsCheck;
using ReleaseGuardian.Core.Definitions;

namespace ReleaseGuardian.Core.Tests.Definitions;

/// <summary>Where the Azure Load Testing launcher's token may go: the check used at PUT and before every call.</summary>
public sealed class AzureLoadTestingEndpointsTests
{
    [Theory]
    [InlineData("https://f878fc34-142f-4312-8577-a04c47da9c0b.eastasia.cnt-prod.loadtesting.azure.com", true)]
    [InlineData("https://F878FC34.EastAsia.CNT-PROD.loadtesting.azure.com/", true)]
    [InlineData("https://x.cnt-prod.loadtesting.azure.com.attacker.org", false)]
    [InlineData("https://cnt-prod.loadtesting.azure.com", false)]
    [InlineData("https://x..cnt-prod.loadtesting.azure.com", false)]
    [InlineData("https://x.eastasia.cnt-prod.loadtesting.azure.com.", false)]
    [InlineData("https://xcnt-prod.loadtesting.azure.com", false)]
    [InlineData("http://x.eastasia.cnt-prod.loadtesting.azure.com", false)]
    [InlineData("https://x.eastasia.cnt-prod.loadtesting.azure.com:444", false)]
    [InlineData("https://u:p@x.eastasia.cnt-prod.loadtesting.azure.com", false)]
    [InlineData("https://x.eastasia.cnt-prod.loadtesting.azure.com/test-runs", false)]
    [InlineData("https://x.eastasia.cnt-prod.loadtesting.azure.com/?a=1", false)]
    [InlineData("https://20.1.2.3", false)]
    [InlineData("not a url", false)]
    [InlineData(null, false)]
    public void Only_an_https_data_plane_host_of_Azure_Load_Testing_is_an_endpoint(string? endpoint, bool accepted) =>
        Assert.Equal(accepted, AzureLoadTestingEndpoints.Parse(endpoint) is not null);

    [Fact]
    public void Whatever_text_it_is_given_an_accepted_endpoint_is_https_on_a_host_under_the_data_plane_suffix()
    {
        var pieces = Gen.OneOf(
            Gen.Const("https://"), Gen.Const("http://"), Gen.Const("x"), Gen.Const("."), Gen.Const("@"), Gen.Const(":443"), Gen.Const(":8443"),
            Gen.Const("/"), Gen.Const("cnt-prod.loadtesting.azure.com"), Gen.Const(".cnt-prod.loadtesting.azure.com"), Gen.Const("attacker.org"),
            Gen.Const("%2e"), Gen.Const("?q"), Gen.Const("#f"), Gen.Const("\\"), Gen.String[0, 4]);
        pieces.Array[1, 8].Select(p => string.Concat(p)).Sample(text =>
        {
            if (AzureLoadTestingEndpoints.Parse(text) is { } endpoint)
            {
                Assert.Equal(Uri.UriSchemeHttps, endpoint.Scheme);
                Assert.True(endpoint.IsDefaultPort);
                Assert.EndsWith(AzureLoadTestingEndpoints.HostSuffix, endpoint.IdnHost, StringComparison.OrdinalIgnoreCase);
                Assert.Equal("/", endpoint.AbsolutePath);
                Assert.True(AzureLoadTestingEndpoints.IsDataPlane(new Uri(endpoint, "test-runs/x?api-version=2022-11-01")));
            }
        }, iter: 20_000);
    }
}
