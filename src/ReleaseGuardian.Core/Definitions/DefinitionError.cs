namespace ReleaseGuardian.Core.Definitions;

/// <summary>One problem with a guardian definition, at the JSON path of the field it concerns.</summary>
/// <param name="Path">The field, e.g. <c>objectives[2].thresholds.failure</c>; <c>$</c> for the document itself.</param>
/// <param name="Message">What is wrong, in plain words, e.g. <c>must be &gt; warning for lowerIsBetter</c>.</param>
public sealed record DefinitionError(string Path, string Message)
{
    /// <summary>"path: message".</summary>
    public override string ToString() => $"{Path}: {Message}";
}

/// <summary>The outcome of reading a guardian definition: the definition, or every problem found.</summary>
public sealed record DefinitionParseResult
{
    private DefinitionParseResult(GuardianDefinition? definition, IReadOnlyList<DefinitionError> errors)
    {
        Definition = definition;
        Errors = errors;
    }

    /// <summary>The definition, with defaults filled in; null when there are errors.</summary>
    public GuardianDefinition? Definition { get; }

    /// <summary>Every problem found, in document order; empty when the definition is valid.</summary>
    public IReadOnlyList<DefinitionError> Errors { get; }

    /// <summary>True when the definition was read without problems.</summary>
    public bool IsValid => Definition is not null && Errors.Count == 0;

    /// <summary>A valid definition.</summary>
    public static DefinitionParseResult Valid(GuardianDefinition definition) => new(definition, []);

    /// <summary>An invalid definition and its problems.</summary>
    public static DefinitionParseResult Invalid(IReadOnlyList<DefinitionError> errors) => new(null, errors);
}
