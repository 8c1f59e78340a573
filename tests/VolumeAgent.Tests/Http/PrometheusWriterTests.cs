using VolumeAgent.Http.Metrics;

namespace VolumeAgent.Tests.Http;

public sealed class PrometheusWriterTests
{
    [Fact]
    public void Gauge_WritesHelpTypeAndSamplesWithEscapedLabels()
    {
        var writer = new PrometheusWriter();

        writer.Gauge("volume_agent_x_bytes", "Bytes\\of x\nsecond line.", [MetricSample.Of(1.5, ("job", "a\"b\\c\nd")), MetricSample.Of(2, ("job", "plain"))]);

        writer.ToString().Should().Be(
            "# HELP volume_agent_x_bytes Bytes\\\\of x\\nsecond line.\n"
            + "# TYPE volume_agent_x_bytes gauge\n"
            + "volume_agent_x_bytes{job=\"a\\\"b\\\\c\\nd\"} 1.5\n"
            + "volume_agent_x_bytes{job=\"plain\"} 2\n");
    }

    [Fact]
    public void Counter_WithoutTotalSuffix_IsRefused()
    {
        var act = () => new PrometheusWriter().Counter("volume_agent_runs", "Runs.", [MetricSample.Of(1)]);

        act.Should().Throw<ArgumentException>().WithMessage("*_total*");
    }

    [Fact]
    public void Family_WithoutSamples_IsLeftOut()
    {
        var writer = new PrometheusWriter();

        writer.Counter("volume_agent_runs_total", "Runs.", []);
        writer.Gauge("volume_agent_up", "Up.", [MetricSample.Of(1)]);

        writer.ToString().Should().Be("# HELP volume_agent_up Up.\n# TYPE volume_agent_up gauge\nvolume_agent_up 1\n");
    }

    [Theory]
    [InlineData(double.NaN, "NaN")]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NegativeInfinity, "-Inf")]
    [InlineData(1767225600.123, "1767225600.123")]
    [InlineData(123456789012.0, "123456789012")]
    [InlineData(0.0, "0")]
    public void FormatValue_SpellsValuesAsTheFormatDoes(double value, string text) =>
        PrometheusWriter.FormatValue(value).Should().Be(text);
}
