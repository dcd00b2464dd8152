using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace ReleaseGuardian.Application.Workflow;

/// <summary>Runs one activity whose input and result cross the engine as JSON, in the source-generated contract.</summary>
internal static class ActivityJson
{
    /// <summary>Reads <paramref name="inputJson"/> as <typeparamref name="TInput"/>, runs <paramref name="activity"/> and writes its result.</summary>
    /// <exception cref="ArgumentException">The input is not a <typeparamref name="TInput"/>.</exception>
    public static async Task<string> InvokeAsync<TInput, TResult>(
        string inputJson, JsonTypeInfo<TInput> input, JsonTypeInfo<TResult> result, Func<TInput, Task<TResult>> activity)
    {
        var read = JsonSerializer.Deserialize(inputJson, input)
            ?? throw new ArgumentException($"The input of the activity is not a {typeof(TInput).Name}.");
        return JsonSerializer.Serialize(await activity(read), result);
    }
}
