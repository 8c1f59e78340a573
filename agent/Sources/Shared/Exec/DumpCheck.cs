namespace VolumeAgent.Sources.Shared.Exec;

/// <summary>
/// What makes a dump whole beyond its exit code. Each check sees the raw stream as it passes
/// (<see cref="Wrap"/>) and judges at the end (<see cref="VerifyAsync"/>), throwing when the dump is not whole.
/// </summary>
internal interface IDumpCheck : IAsyncDisposable
{
    /// <summary>Starts whatever the check runs beside the dump; called just before the dump starts.</summary>
    Task StartAsync(CancellationToken cancellationToken);

    Stream Wrap(Stream raw);

    Task VerifyAsync(string what, CancellationToken cancellationToken);
}

/// <summary>The dump must end with a trailer the tool writes only after the last row (mysqldump's "-- Dump completed").</summary>
internal sealed class TrailerCheck : IDumpCheck
{
    private readonly string _trailer;
    private TapStream? _tap;

    public TrailerCheck(string trailer) => _trailer = trailer;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Stream Wrap(Stream raw) => _tap = new TapStream(raw, 1024);

    public Task VerifyAsync(string what, CancellationToken cancellationToken)
    {
        var tail = _tap?.Tail() ?? string.Empty;
        if (!tail.Contains(_trailer, StringComparison.Ordinal))
        {
            throw new ArtifactFailedException(
                $"{what} is incomplete: it does not end with '{_trailer}' ({_tap?.BytesRead ?? 0} bytes received). The dump was cut off.");
        }

        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
