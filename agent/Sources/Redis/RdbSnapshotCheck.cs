using VolumeAgent.Sources.Shared.Exec;

namespace VolumeAgent.Sources.Redis;

/// <summary>A snapshot counts only when redis-cli's output, its end-of-transfer mark dropped, is a whole RDB file.</summary>
internal sealed class RdbSnapshotCheck : IDumpCheck
{
    private RdbSnapshotStream? _stream;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Stream Wrap(Stream raw) => _stream = new RdbSnapshotStream(raw);

    public Task VerifyAsync(string what, CancellationToken cancellationToken)
    {
        var verdict = _stream?.Verdict;
        if (verdict is null)
        {
            throw new ArtifactFailedException($"{what} was not read to its end ({_stream?.BytesPassed ?? 0} bytes received).");
        }

        return verdict.IsSound
            ? Task.CompletedTask
            : throw new ArtifactFailedException($"{what} did not give a whole RDB snapshot ({_stream!.BytesPassed} bytes received): {verdict.Problem}");
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
