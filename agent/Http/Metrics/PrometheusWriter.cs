using System.Globalization;
using System.Text;

namespace VolumeAgent.Http.Metrics;

/// <summary>
/// Writes the Prometheus text exposition format (0.0.4): per family one <c># HELP</c> and <c># TYPE</c> line, then its
/// samples. Written by hand rather than with prometheus-net: the values are a snapshot of what the daemon already
/// keeps (the status book, <see cref="RunMetricsBook"/>), read at scrape time, so a registry of mutable metrics
/// would only copy them; and a string builder is trivially AOT-clean.
/// </summary>
internal sealed class PrometheusWriter
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly StringBuilder _text = new();

    public void Gauge(string name, string help, IEnumerable<MetricSample> samples) => Family(name, "gauge", help, samples);

    public void Counter(string name, string help, IEnumerable<MetricSample> samples)
    {
        if (!name.EndsWith("_total", StringComparison.Ordinal))
        {
            throw new ArgumentException($"Counter {name} must end in _total (the exposition format's rule).", nameof(name));
        }

        Family(name, "counter", help, samples);
    }

    public override string ToString() => _text.ToString();

    /// <summary>A label value as the format quotes it: backslash, double quote and newline escaped.</summary>
    public static string EscapeLabel(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    /// <summary>A sample value: shortest round-trip form, NaN and ±Inf as the format spells them.</summary>
    public static string FormatValue(double value) => value switch
    {
        double.NaN => "NaN",
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    private void Family(string name, string type, string help, IEnumerable<MetricSample> samples)
    {
        var list = samples.ToList();
        if (list.Count == 0)
        {
            return; // A family without samples is left out rather than written empty.
        }

        _text.Append("# HELP ").Append(name).Append(' ').Append(help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)).Append('\n');
        _text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
        foreach (var sample in list)
        {
            _text.Append(name);
            if (sample.Labels.Count > 0)
            {
                _text.Append('{');
                for (var i = 0; i < sample.Labels.Count; i++)
                {
                    var (label, value) = sample.Labels[i];
                    _text.Append(i == 0 ? string.Empty : ",").Append(label).Append("=\"").Append(EscapeLabel(value)).Append('"');
                }

                _text.Append('}');
            }

            _text.Append(' ').Append(FormatValue(sample.Value)).Append('\n');
        }
    }
}

/// <summary>One sample: its labels (name, value) in order, and its value.</summary>
internal sealed record MetricSample(IReadOnlyList<(string Name, string Value)> Labels, double Value)
{
    public static MetricSample Of(double value, params (string Name, string Value)[] labels) => new(labels, value);
}
