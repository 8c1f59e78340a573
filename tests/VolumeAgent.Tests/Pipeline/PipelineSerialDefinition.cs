namespace VolumeAgent.Tests.Pipeline;

/// <summary>
/// Tests that read process-wide counters (allocated bytes, live compression workers) run alone, after the
/// parallel ones, so other tests' work does not show up in what they measure.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PipelineSerialDefinition
{
    public const string Name = "Pipeline serial";
}
