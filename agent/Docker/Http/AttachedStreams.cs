namespace VolumeAgent.Docker.Http;

/// <summary>An attached container's stdio over its hijacked connection: stdout read apart from stderr, stdin half-closable.</summary>
internal sealed class AttachedStreams : IProcessStreams
{
    private readonly HijackedStream _connection;
    private readonly StdoutStream _stdout;

    public AttachedStreams(HijackedStream connection)
    {
        _connection = connection ?? throw new ArgumentNullException(nameof(connection));
        Stderr = new OutputTail();
        _stdout = new StdoutStream(connection, Stderr);
    }

    public Stream Stdout => _stdout;

    public OutputTail Stderr { get; }

    public Stream Stdin => _connection;

    public void CloseStdin() => _connection.CloseWrite();

    public Task DrainAsync(CancellationToken cancellationToken) => _stdout.DrainAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        // The stdout stream owns the connection: disposing it closes both.
        await _stdout.DisposeAsync();
    }
}
