using System.Security.Cryptography;
using ReleaseGuardian.Application.Ingestion;
using ReleaseGuardian.Core.LoadTests;

namespace ReleaseGuardian.Infrastructure.Ingestion.LoadTests;

/// <summary>
/// Resolves who a load-test result belongs to, why it ran and which window it measured: the document
/// first, then the query parameter, then the <c>X-Guardian-*</c> header. A problem names the parameter
/// or header the bad value came from.
/// </summary>
internal static class RunIdentity
{
    public const string GuardianParameter = "guardian";
    public const string PurposeParameter = "purpose";
    public const string StartParameter = "start";
    public const string EndParameter = "end";
    public const string ServiceParameter = "service";
    public const string FlagParameter = "flag";
    public const string TestIdParameter = "testId";

    public const string GuardianHeader = "X-Guardian-Id";
    public const string PurposeHeader = "X-Guardian-Purpose";
    public const string StartHeader = "X-Guardian-Window-Start";
    public const string EndHeader = "X-Guardian-Window-End";
    public const string ServiceHeader = "X-Guardian-Service";
    public const string FlagHeader = "X-Guardian-Flag";
    public const string TestIdHeader = "X-Guardian-Test-Id";

    public static LoadTestFinished Resolve(string tool, ToolReading reading, WebhookRequest request, DateTimeOffset now)
    {
        var (guardian, guardianField) = Pick(request, GuardianParameter, GuardianHeader);
        string? service = null;
        string? flag = null;
        if (guardian is not null)
        {
            if (!GuardianId.IsValid(guardian))
            {
                throw IngestRejection.Malformed(guardianField, $"must match {GuardianId.Pattern}");
            }
        }
        else
        {
            (service, var serviceField) = Pick(request, ServiceParameter, ServiceHeader);
            (flag, var flagField) = Pick(request, FlagParameter, FlagHeader);
            if (service is null && flag is null)
            {
                throw IngestRejection.Malformed(
                    GuardianParameter,
                    $"is missing; name the guardian with the query parameter '{GuardianParameter}' or the header '{GuardianHeader}', or give both '{ServiceParameter}' and '{FlagParameter}'");
            }

            if (service is null)
            {
                throw IngestRejection.Malformed(serviceField, $"is missing; '{FlagParameter}' identifies the run only together with '{ServiceParameter}' (or name the '{GuardianParameter}')");
            }

            if (flag is null)
            {
                throw IngestRejection.Malformed(flagField, $"is missing; '{ServiceParameter}' identifies the run only together with '{FlagParameter}' (or name the '{GuardianParameter}')");
            }
        }

        var (purposeText, purposeField) = Pick(request, PurposeParameter, PurposeHeader);
        var purpose = purposeText is null ? RunPurpose.Validation : ParsePurpose(purposeText, purposeField);

        var end = reading.End;
        var endField = "end";
        if (end is null)
        {
            var (endText, field) = Pick(request, EndParameter, EndHeader);
            endField = field;
            end = endText is null ? now : JsonRead.ParseTimestamp(endText)
                ?? throw IngestRejection.Malformed(field, "must be an ISO 8601 timestamp such as 2026-11-24T10:01:00Z");
        }

        var start = reading.Start;
        if (start is null)
        {
            var (startText, startField) = Pick(request, StartParameter, StartHeader);
            if (startText is not null)
            {
                start = JsonRead.ParseTimestamp(startText)
                    ?? throw IngestRejection.Malformed(startField, "must be an ISO 8601 timestamp such as 2026-11-24T10:00:00Z");
            }
            else if (reading.Duration is { } duration)
            {
                start = end.Value - duration;
            }
            else
            {
                throw IngestRejection.Malformed(
                    StartParameter,
                    $"is missing; this {tool} result does not say when the test started or how long it ran, so give the query parameter '{StartParameter}' or the header '{StartHeader}' (ISO 8601)");
            }
        }

        if (end.Value < start.Value)
        {
            throw IngestRejection.Malformed(endField, $"({end.Value:O}) is before the start of the window ({start.Value:O})");
        }

        var testId = reading.TestId;
        if (testId is null)
        {
            (testId, _) = Pick(request, TestIdParameter, TestIdHeader);
        }

        testId ??= BodyHash(request.Body.Span);

        return new LoadTestFinished(guardian, service, flag, testId, tool, purpose, start.Value, end.Value, reading.Signals.ToSignals());
    }

    /// <summary>The id of a delivery that carries none: hex SHA-256 of the raw body, first 32 characters.</summary>
    public static string BodyHash(ReadOnlySpan<byte> body) => Convert.ToHexStringLower(SHA256.HashData(body))[..32];

    public static RunPurpose ParsePurpose(string text, string field) => text.Trim().ToLowerInvariant() switch
    {
        "training" => RunPurpose.Training,
        "validation" => RunPurpose.Validation,
        _ => throw IngestRejection.Malformed(field, $"must be 'training' or 'validation'; got '{Truncate(text)}'"),
    };

    private static (string? Value, string Field) Pick(WebhookRequest request, string parameter, string header)
    {
        var fromQuery = request.QueryValue(parameter);
        if (!string.IsNullOrWhiteSpace(fromQuery))
        {
            return (fromQuery.Trim(), parameter);
        }

        var fromHeader = request.Header(header);
        if (!string.IsNullOrWhiteSpace(fromHeader))
        {
            return (fromHeader.Trim(), header);
        }

        return (null, parameter);
    }

    internal static string Truncate(string text) => text.Length <= 64 ? text : text[..64] + "…";
}

/// <summary>The guardian id rule of DESIGN §6: <c>^[a-z0-9][a-z0-9-]{0,62}$</c>.</summary>
internal static class GuardianId
{
    public const string Pattern = "^[a-z0-9][a-z0-9-]{0,62}$";

    public static bool IsValid(string? id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > 63 || id[0] == '-')
        {
            return false;
        }

        foreach (var c in id)
        {
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
            {
                return false;
            }
        }

        return true;
    }
}
