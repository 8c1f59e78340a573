using VolumeAgent.Docker;

namespace VolumeAgent.Sources;

/// <summary>
/// Feeds a custom-format dump, as it streams past, to <c>pg_restore --list</c> in the same container: the
/// archive must open and list its table of contents. pg_restore stops reading once it has the list, so
/// the copy costs only the archive's head.
/// </summary>
internal sealed class PgListCheck : IDumpCheck
{
    private readonly DockerClient _docker;
    private readonly string _containerId;
    private readonly IReadOnlyList<string> _environment;
    private ExecProcess? _lister;
    private Task<long>? _listed;
    private long _entries;
    private bool _feeding = true;

    public PgListCheck(DockerClient docker, string containerId, IReadOnlyList<string> environment)
    {
        _docker = docker;
        _containerId = containerId;
        _environment = environment;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _lister = await _docker.Exec.RunAsync(
            _containerId, ["pg_restore", "--list"], cancellationToken, new ExecStartOptions { Environment = _environment, Stdin = true });
        _listed = CountEntriesAsync(_lister, cancellationToken);
    }

    public Stream Wrap(Stream raw) => new TapStream(raw, 16, FeedAsync);

    public async Task VerifyAsync(string what, CancellationToken cancellationToken)
    {
        var lister = _lister ?? throw new InvalidOperationException("The check was not started.");
        CloseInput(lister);
        await _listed!;
        var exit = await lister.WaitForExitAsync(cancellationToken);
        if (exit != 0 || _entries == 0)
        {
            var stderr = lister.Stderr.ToString();
            throw new ArtifactFailedException(
                $"{what} produced an archive that pg_restore --list rejects (exit {exit}, {_entries} entries): {(stderr.Length > 0 ? stderr : "no error output")}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_lister is not null)
        {
            await _lister.DisposeAsync();
        }
    }

    private static void CloseInput(ExecProcess lister)
    {
        try
        {
            lister.CloseStdin();
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            // pg_restore has already finished reading and gone.
        }
    }

    private async ValueTask FeedAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        if (!_feeding || _lister is null)
        {
            return;
        }

        if (_listed!.IsCompleted)
        {
            _feeding = false;
            return;
        }

        try
        {
            await _lister.Stdin.WriteAsync(data, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException)
        {
            // pg_restore stopped reading: it has what it needs (or failed, which VerifyAsync reports).
            _feeding = false;
        }
    }

    private async Task<long> CountEntriesAsync(ExecProcess lister, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(lister.Stdout, leaveOpen: true);
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length > 0 && line[0] != ';')
            {
                _entries++;
            }
        }

        return _entries;
    }
}
