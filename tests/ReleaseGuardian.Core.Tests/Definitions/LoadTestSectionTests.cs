using ReleaseGuardian.Core.Definitions;

namespace ReleaseGuardian.Core.Tests.Definitions;

/// <summary>The optional <c>loadTest</c> section: how baseline training launches a guardian's load tests.</summary>
public sealed class LoadTestSectionTests
{
    private const string P95 = """{ "name": "p95", "signal": "latency.p95", "direction": "lowerIsBetter", "thresholds": { "mode": "static", "warning": 600, "failure": 800 } }""";

    private static string WithLoadTest(string loadTest) =>
        $$"""{ "id": "checkout", "loadTest": {{loadTest}}, "objectives": [ {{P95}} ] }""";

    [Fact]
    public void An_http_launcher_is_read_and_written_back_unchanged()
    {
        var parsed = GuardianDefinitionJson.Parse(WithLoadTest("""{"launcher":"http","url":"https://ci.example.org/hooks/k6","tool":"k6"}"""));

        Assert.True(parsed.IsValid);
        Assert.Equal(new LoadTestSpec("http", "https://ci.example.org/hooks/k6", "k6"), parsed.Definition!.LoadTest);
        var again = GuardianDefinitionJson.Parse(GuardianDefinitionJson.Serialize(parsed.Definition));
        Assert.Equal(parsed.Definition.LoadTest, again.Definition!.LoadTest);
    }

    [Fact]
    public void An_Azure_Load_Testing_launcher_on_its_data_plane_host_is_valid_and_no_section_means_none()
    {
        // The endpoint shape of the issue: https://<id>.<region>.cnt-prod.loadtesting.azure.com.
        var parsed = GuardianDefinitionJson.Parse(WithLoadTest(
            """{"launcher":"azureloadtesting","endpoint":"https://0a1b2c3d-0000-4000-8000-000000000000.westeurope.cnt-prod.loadtesting.azure.com","testId":"checkout-load"}"""));

        Assert.True(parsed.IsValid, string.Join("; ", parsed.Errors.Select(e => $"{e.Path}: {e.Message}")));
        Assert.Null(GuardianDefinitionJson.Parse($$"""{ "id": "checkout", "objectives": [ {{P95}} ] }""").Definition!.LoadTest);
    }

    [Theory]
    [InlineData("""{"url":"https://ci.example.org/k6","tool":"k6"}""", "loadTest.launcher")]
    [InlineData("""{"launcher":"jenkins"}""", "loadTest.launcher")]
    [InlineData("""{"launcher":"http","tool":"k6"}""", "loadTest.url")]
    [InlineData("""{"launcher":"http","url":"file:///etc/passwd","tool":"k6"}""", "loadTest.url")]
    [InlineData("""{"launcher":"http","url":"https://ci.example.org/k6"}""", "loadTest.tool")]
    [InlineData("""{"launcher":"http","url":"https://ci.example.org/k6","tool":"../k6"}""", "loadTest.tool")]
    [InlineData("""{"launcher":"azureloadtesting","testId":"t"}""", "loadTest.endpoint")]
    // The managed-identity token must only ever go to Azure Load Testing's own data-plane hosts.
    [InlineData("""{"launcher":"azureloadtesting","endpoint":"https://attacker.example.org","testId":"t"}""", "loadTest.endpoint")]
    [InlineData("""{"launcher":"azureloadtesting","endpoint":"https://x.cnt-prod.loadtesting.azure.com.attacker.org","testId":"t"}""", "loadTest.endpoint")]
    [InlineData("""{"launcher":"azureloadtesting","endpoint":"http://x.westeurope.cnt-prod.loadtesting.azure.com","testId":"t"}""", "loadTest.endpoint")]
    [InlineData("""{"launcher":"azureloadtesting","endpoint":"https://x.westeurope.cnt-prod.loadtesting.azure.com"}""", "loadTest.testId")]
    [InlineData("""{"launcher":"azureloadtesting","endpoint":"https://x.westeurope.cnt-prod.loadtesting.azure.com","testId":"a b"}""", "loadTest.testId")]
    [InlineData("\"http\"", "loadTest")]
    public void A_bad_loadTest_section_is_rejected_naming_the_path(string loadTest, string path)
    {
        var parsed = GuardianDefinitionJson.Parse(WithLoadTest(loadTest));

        Assert.False(parsed.IsValid);
        Assert.Contains(parsed.Errors, e => e.Path == path);
    }
}
