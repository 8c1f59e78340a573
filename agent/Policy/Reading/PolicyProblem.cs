namespace VolumeAgent.Policy.Reading;

/// <summary>One mistake in backup.yml. Line and column are 1-based; 0 means the problem concerns the whole file.</summary>
/// <param name="Path">The key path, e.g. <c>jobs.nightly.sources[2].databases</c>; empty for the file itself.</param>
internal sealed record PolicyProblem(int Line, int Column, string Path, string Message);
