using ReleaseGuardian.Core.Definitions;

namespace ReleaseGuardian.Application.Guardians;

/// <summary>
/// Checks a valid definition against the operator's configuration: a definition comes from whoever holds the
/// management key, and may not direct a credential, a file write or a request anywhere the operator did not
/// configure. Core stays pure; the checks that need configuration live behind this port.
/// </summary>
public interface IOperatorDefinitionPolicy
{
    /// <summary>Every problem, by JSON path; empty when the operator's configuration allows the definition.</summary>
    IReadOnlyList<DefinitionError> Check(GuardianDefinition definition);
}
