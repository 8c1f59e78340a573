using System.Globalization;
using System.Text;

namespace VolumeAgent.Pipeline.Tar;

/// <summary>Parses POSIX pax extended header records: "&lt;length&gt; &lt;key&gt;=&lt;value&gt;\n", UTF-8.</summary>
internal static class PaxHeader
{
    /// <returns>null when the data is not a well-formed sequence of records.</returns>
    public static Dictionary<string, string>? Parse(ReadOnlySpan<byte> data, Dictionary<string, string>? into = null)
    {
        var records = into ?? new Dictionary<string, string>(StringComparer.Ordinal);
        while (!data.IsEmpty)
        {
            // Writers pad the data with NULs to the block size; some leave trailing NULs inside the size too.
            if (data[0] == 0)
            {
                break;
            }

            var space = data.IndexOf((byte)' ');
            if (space <= 0 || !int.TryParse(data[..space], NumberStyles.None, CultureInfo.InvariantCulture, out var length)
                || length <= space + 1 || length > data.Length || data[length - 1] != (byte)'\n')
            {
                return null;
            }

            var record = data[(space + 1)..(length - 1)];
            var equals = record.IndexOf((byte)'=');
            if (equals <= 0)
            {
                return null;
            }

            records[Encoding.UTF8.GetString(record[..equals])] = Encoding.UTF8.GetString(record[(equals + 1)..]);
            data = data[length..];
        }

        return records;
    }

    /// <summary>A pax number: decimal, possibly with a fraction (times) that is cut off.</summary>
    public static bool TryParseInteger(string value, out long result)
    {
        var dot = value.IndexOf('.', StringComparison.Ordinal);
        var whole = dot < 0 ? value : value[..dot];
        return long.TryParse(whole, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out result);
    }
}
