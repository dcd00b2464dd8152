using ReleaseGuardian.Application.Notifications;
using System.Text.Json;
using System.Text.Json.Serialization;
using ReleaseGuardian.Core.Definitions;

namespace ReleaseGuardian.Application.Notifications;

/// <summary>
/// The notification message as JSON: camelCase, nulls left out, enums in the lowercase vocabulary of the
/// verdict format (<c>"decision":"nogo"</c>, <c>"status":"fail"</c>, <c>"kind":"rolledback"</c>).
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    Converters = [typeof(LowercaseEnumConverter<Decision>), typeof(LowercaseEnumConverter<ObjectiveStatus>), typeof(LowercaseEnumConverter<NotificationKind>)])]
[JsonSerializable(typeof(NotificationMessage))]
public sealed partial class NotificationJsonContext : JsonSerializerContext;

/// <summary>Writes and reads an enum as its lowercased member name ("NoGo" is "nogo").</summary>
public sealed class LowercaseEnumConverter<TEnum>() : JsonStringEnumConverter<TEnum>(LowercaseNamingPolicy.Instance, allowIntegerValues: false)
    where TEnum : struct, Enum;

/// <summary>Lowercases a name.</summary>
public sealed class LowercaseNamingPolicy : JsonNamingPolicy
{
    /// <summary>The one instance.</summary>
    public static LowercaseNamingPolicy Instance { get; } = new();

    /// <inheritdoc />
    public override string ConvertName(string name) => name.ToLowerInvariant();
}
