namespace ReleaseGuardian.Infrastructure.Ingestion.LoadTests;

/// <summary>
/// RFC 4180 rows (quoted fields, doubled quotes, CRLF or LF). Kept here rather than a CSV package because one
/// small stats table is all that is read, and no CSV library is among the served packages this project pins.
/// </summary>
internal static class CsvRows
{
    /// <summary>Upper bound on rows read, so a hostile body cannot make an unbounded list.</summary>
    public const int MaxRows = 10_000;

    public static List<List<string>> Parse(string text)
    {
        var rows = new List<List<string>>();
        var row = new List<string>();
        var field = new System.Text.StringBuilder();
        var quoted = false;
        var fieldStarted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"')
                {
                    if (i + 1 < text.Length && text[i + 1] == '"')
                    {
                        field.Append('"');
                        i++;
                    }
                    else
                    {
                        quoted = false;
                    }
                }
                else
                {
                    field.Append(c);
                }

                continue;
            }

            switch (c)
            {
                case '"' when field.Length == 0:
                    quoted = true;
                    fieldStarted = true;
                    break;
                case ',':
                    row.Add(field.ToString());
                    field.Clear();
                    fieldStarted = true;
                    break;
                case '\r':
                    break;
                case '\n':
                    if (fieldStarted || field.Length > 0 || row.Count > 0)
                    {
                        row.Add(field.ToString());
                        rows.Add(row);
                        if (rows.Count >= MaxRows)
                        {
                            throw IngestRejection.Malformed("csv", $"has more than {MaxRows} rows");
                        }
                    }

                    row = [];
                    field.Clear();
                    fieldStarted = false;
                    break;
                default:
                    field.Append(c);
                    fieldStarted = true;
                    break;
            }
        }

        if (fieldStarted || field.Length > 0 || row.Count > 0)
        {
            row.Add(field.ToString());
            rows.Add(row);
        }

        return rows;
    }
}
