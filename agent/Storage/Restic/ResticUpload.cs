using VolumeAgent.IO;
using VolumeAgent.Sources.Shared.Exec;
using VolumeAgent.Sources.Shared.Helpers;

namespace VolumeAgent.Storage.Restic;

/// <summary>
/// One object streamed into <c>restic backup --stdin --stdin-filename &lt;job&gt;/&lt;set&gt;/&lt;name&gt;</c> in a helper:
/// the pipeline's writes go to the helper's stdin, restic chunks, deduplicates, compresses and encrypts them, and the
/// snapshot exists only once restic has read the end of its input and saved it. Aborting removes the helper, so
/// restic never sees a clean end of input and saves no snapshot.
/// </summary>
internal sealed class ResticUpload : IObjectUpload
{
    private readonly ResticHelper _restic;
    private readonly HelperContainer _helper;
    private readonly Task<ResticSummary?> _summary;
    private readonly InputStream _stream;
    private int _ended;

    private ResticUpload(ResticHelper restic, HelperContainer helper)
    {
        _restic = restic;
        _helper = helper;
        _stream = new InputStream(helper.Input);
        _summary = Task.Run(ReadSummaryAsync);
    }

    public Stream Stream => _stream;

    public long BytesWritten => _stream.BytesWritten;

    /// <summary>What restic reported for the snapshot, once committed.</summary>
    public ResticSummary? Summary { get; private set; }

    /// <summary>The tags of the snapshot of one object: the agent's own, and the job, set, run id and object it belongs to.</summary>
    public static IReadOnlyList<string> TagsOf(SetAddress set, string name)
    {
        var runId = set.Name.IndexOf('-', StringComparison.Ordinal) is var dash and >= 0 ? set.Name[(dash + 1)..] : set.Name;
        return [ResticObjectStore.AgentTag, "job=" + set.Job, "set=" + set.Name, "run=" + runId, "object=" + name];
    }

    public static async Task<ResticUpload> StartAsync(ResticHelper restic, SetAddress set, string name, CancellationToken cancellationToken)
    {
        List<string> arguments = ["backup", "--stdin", "--stdin-filename", $"{set.Job}/{set.Name}/{name}", "--json", "--quiet", "--host", "volume-agent"];
        foreach (var tag in TagsOf(set, name))
        {
            arguments.AddRange(["--tag", tag]);
        }

        var helper = await restic.StartAsync(arguments, stdin: true, $"store {name} in the restic repository", cancellationToken);
        return new ResticUpload(restic, helper);
    }

    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0)
        {
            throw new InvalidOperationException("The upload has already ended.");
        }

        try
        {
            var closed = await StdinFeeder.CloseAsync(_helper.Input, _helper.CloseInput, cancellationToken);
            var summary = await _summary;
            var exit = await _helper.WaitAsync(cancellationToken);
            if (exit != 0 || !closed || summary is null)
            {
                throw await _restic.FailureAsync("backup --stdin", exit, _helper.Stderr.ToString(), cancellationToken);
            }

            Summary = summary;
        }
        finally
        {
            await _helper.DisposeAsync();
        }
    }

    public async Task AbortAsync()
    {
        Interlocked.Exchange(ref _ended, 1);
        await _helper.DisposeAsync();
        try
        {
            await _summary;
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException or FormatException)
        {
            // The helper is gone: what it printed no longer matters.
        }
    }

    public async ValueTask DisposeAsync() => await AbortAsync();

    private async Task<ResticSummary?> ReadSummaryAsync()
    {
        using var reader = new StreamReader(_helper.Output, leaveOpen: true);
        ResticSummary? summary = null;
        while (await reader.ReadLineAsync() is { } line)
        {
            summary = ResticJson.ParseSummaryLine(line) ?? summary;
        }

        return summary;
    }

    /// <summary>The helper's stdin, counted.</summary>
    private sealed class InputStream(Stream input) : WriteOnlyStream
    {
        public long BytesWritten { get; private set; }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            input.Write(buffer);
            BytesWritten += buffer.Length;
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await input.WriteAsync(buffer, cancellationToken);
            BytesWritten += buffer.Length;
        }

        public override void Flush() => input.Flush();
    }
}
