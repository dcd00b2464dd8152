using System.Globalization;
using CsCheck;
using ReleaseGuardian.Infrastructure.Metrics;
using ReleaseGuardian.Infrastructure.Metrics.AzureMonitor;
using ReleaseGuardian.Infrastructure.Metrics.Prometheus;

namespace ReleaseGuardian.Infrastructure.Tests.Metrics;

public sealed class ResponseParserPropertyTests
{
    /// <summary>Arbitrary JSON values, nested a few levels deep, with keys the parsers look for mixed in.</summary>
    private static readonly Gen<string> AnyJson = Gen.Recursive<string>((depth, json) =>
    {
        var key = Gen.OneOfConst("status", "data", "resultType", "result", "value", "metric", "error", "errorType",
            "tables", "columns", "rows", "name", "type", "innererror", "x");
        var scalar = Gen.OneOf(
            Gen.Const("null"), Gen.Const("true"), Gen.Const("false"),
            Gen.Double.Select(d => double.IsFinite(d) ? d.ToString("R", CultureInfo.InvariantCulture) : "0"),
            Gen.OneOfConst("\"success\"", "\"error\"", "\"vector\"", "\"scalar\"", "\"matrix\"", "\"NaN\"", "\"+Inf\"", "\"12\"", "\"PrimaryResult\"", "\"real\"", "\"decimal\""),
            Gen.String.Select(s => "\"" + System.Text.Json.JsonEncodedText.Encode(s).ToString() + "\""));
        if (depth >= 4)
        {
            return scalar;
        }

        var array = json.Array[0, 4].Select(items => "[" + string.Join(",", items) + "]");
        var obj = Gen.Select(key, json).Array[0, 4].Select(pairs => "{" + string.Join(",", pairs.Select(p => $"\"{p.Item1}\":{p.Item2}")) + "}");
        return Gen.OneOf(scalar, array, obj);
    });

    [Fact]
    public void The_Prometheus_parser_never_throws_and_any_value_it_yields_is_finite()
    {
        AnyJson.Sample(json =>
        {
            var result = PrometheusResponse.Parse(json);
            return result.HasValue ? double.IsFinite(result.Value!.Value) && result.Failure is null : result.Failure is not null;
        });
    }

    [Fact]
    public void The_Prometheus_parser_yields_a_value_only_from_one_sample_in_a_success_answer()
    {
        AnyJson.Sample(json =>
        {
            var result = PrometheusResponse.Parse(json);
            // Garbage (anything that is not a success answer) never becomes a value.
            return !result.HasValue || json.Contains("\"status\":\"success\"", StringComparison.Ordinal);
        });
    }

    [Fact]
    public void The_Log_Analytics_parser_never_throws_and_yields_values_only_from_a_table_with_rows()
    {
        AnyJson.Sample(json =>
        {
            var response = LogAnalyticsResponse.Parse(json);
            var first = response.FirstCell();
            var cellsOk = response.Columns.All(c => response.Cell(c) is var cell && (cell.HasValue ? double.IsFinite(cell.Value!.Value) : cell.Failure is not null));
            var fromTable = !first.HasValue || (json.Contains("\"tables\"", StringComparison.Ordinal) && json.Contains("\"rows\"", StringComparison.Ordinal));
            return cellsOk && fromTable && (first.HasValue || first.Failure is not null);
        });
    }

    [Fact]
    public void Random_bytes_are_never_a_value()
    {
        Gen.Byte.Array[0, 200].Sample(bytes =>
            !PrometheusResponse.Parse(bytes).HasValue && !LogAnalyticsResponse.Parse(bytes).FirstCell().HasValue);
    }

    [Fact]
    public void Every_finite_sample_round_trips_through_the_Prometheus_vector_shape()
    {
        Gen.Double.Where(double.IsFinite).Sample(value =>
        {
            var text = value.ToString("R", CultureInfo.InvariantCulture);
            var result = PrometheusResponse.Parse(
                $$$"""{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1795514460.5,"{{{text}}}"]}]}}""");
            return result.Value == value;
        });
    }

    [Fact]
    public void Every_finite_cell_round_trips_through_the_Log_Analytics_table_shape()
    {
        Gen.Double.Where(double.IsFinite).Sample(value =>
        {
            var text = value.ToString("R", CultureInfo.InvariantCulture);
            var response = LogAnalyticsResponse.Parse(
                $$$"""{"tables":[{"name":"PrimaryResult","columns":[{"name":"v","type":"real"}],"rows":[[{{{text}}}]]}]}""");
            return response.Cell("v").Value == value && response.FirstCell().Value == value;
        });
    }
}
