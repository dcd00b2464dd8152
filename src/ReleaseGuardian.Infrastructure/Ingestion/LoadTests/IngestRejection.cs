using ReleaseGuardian.Application.Ingestion;

namespace ReleaseGuardian.Infrastructure.Ingestion.LoadTests;

/// <summary>
/// Carries an <see cref="IngestProblem"/> out of deep document navigation. It never escapes a parser or the
/// CloudEvents reader: their entry points catch it and return the problem as a value.
/// </summary>
internal sealed class IngestRejection(IngestProblem problem) : Exception(problem.Detail)
{
    public IngestProblem Problem { get; } = problem;

    public static IngestRejection Malformed(string field, string detail) => new(IngestProblem.Malformed(field, detail));
}
