using CsCheck;
using ReleaseGuardian.Application.Ingestion;

namespace ReleaseGuardian.Application.Tests.Ingestion;

public sealed class RunIdsTests
{
    [Fact]
    public void A_safe_test_id_is_kept_readable_in_the_run_id()
    {
        Assert.Equal("lt-k6-run-42", RunIds.ForLoadTest("k6-run-42"));
    }

    [Fact]
    public void Every_run_id_is_stable_and_safe_in_table_keys_and_urls_whatever_the_test_id()
    {
        Gen.String.Sample(testId =>
        {
            var id = RunIds.ForLoadTest(testId);
            return id == RunIds.ForLoadTest(testId)
                && id.Length <= 67
                && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
        });
    }

    [Fact]
    public void Different_unsafe_test_ids_get_different_run_ids()
    {
        Assert.NotEqual(RunIds.ForLoadTest("a/b#1"), RunIds.ForLoadTest("a/b#2"));
    }
}
