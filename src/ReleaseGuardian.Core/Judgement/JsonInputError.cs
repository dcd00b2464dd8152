namespace ReleaseGuardian.Core.Judgement;

/// <summary>One problem with a run, history or verdict document, at the JSON path of the field it concerns.</summary>
/// <param name="Path">The field, e.g. <c>[2].status</c> or <c>signals["latency.p95"]</c>; <c>$</c> for the document itself.</param>
/// <param name="Message">What is wrong, in plain words.</param>
public sealed record JsonInputError(string Path, string Message)
{
    /// <summary>"path: message".</summary>
    public override string ToString() => $"{Path}: {Message}";
}

/// <summary>The outcome of reading a run, a history or a verdict: the value, or every problem found.</summary>
/// <typeparam name="T">What was read.</typeparam>
public sealed record JsonParseResult<T>
    where T : class
{
    private JsonParseResult(T? value, IReadOnlyList<JsonInputError> errors)
    {
        Value = value;
        Errors = errors;
    }

    /// <summary>The value; null when there are errors.</summary>
    public T? Value { get; }

    /// <summary>Every problem found, in document order; empty on success.</summary>
    public IReadOnlyList<JsonInputError> Errors { get; }

    /// <summary>True when the document was read without problems.</summary>
    public bool IsValid => Value is not null && Errors.Count == 0;

    /// <summary>A successful read.</summary>
    public static JsonParseResult<T> Valid(T value) => new(value, []);

    /// <summary>A failed read and its problems.</summary>
    public static JsonParseResult<T> Invalid(IReadOnlyList<JsonInputError> errors) => new(null, errors);

    internal static JsonParseResult<T> From(Formats.JsonInput input, T value) =>
        input.HasErrors ? Invalid([.. input.Errors.Select(e => new JsonInputError(e.Path, e.Message))]) : Valid(value);
}
