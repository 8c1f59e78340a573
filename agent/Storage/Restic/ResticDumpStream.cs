using VolumeAgent.IO;
using VolumeAgent.Sources.Shared.Helpers;

namespace VolumeAgent.Storage.Restic;

/// <summary>
/// One object read back: the stdout of <c>restic dump &lt;snapshot&gt; &lt;path&gt;</c> in a helper, streamed as it
/// comes (never held whole). At the end of the output restic's exit code is checked, so a dump that failed
/// half-way (a damaged pack, a lost connection) is an error, never a short object. Disposing removes the helper.
/// </summary>
internal sealed class ResticDumpStream : ReadOnlyStream
{
    private readonly ResticHelper _restic;
    private readonly HelperContainer _helper;
    private readonly string _what;
    private bool _ended;

    private ResticDumpStream(ResticHelper restic, HelperContainer helper, string what)
    {
        _restic = restic;
        _helper = helper;
        _what = what;
    }

    public static async Task<ResticDumpStream> OpenAsync(ResticHelper restic, string snapshot, string path, CancellationToken cancellationToken)
    {
        var helper = await restic.StartAsync(["dump", snapshot, path], stdin: false, $"read {path} from the restic repository", cancellationToken);
        return new ResticDumpStream(restic, helper, path);
    }

    /// <exception cref="StorageException">restic ended with an error before or after its last byte.</exception>
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_ended || buffer.Length == 0)
        {
            return 0;
        }

        var read = await _helper.Output.ReadAsync(buffer, cancellationToken);
        if (read > 0)
        {
            return read;
        }

        _ended = true;
        var exit = await _helper.WaitAsync(cancellationToken);
        if (exit != 0)
        {
            throw ResticErrors.Failed(_restic.Options, $"dump {_what}", exit, _helper.Stderr.ToString());
        }

        return 0;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _helper.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await _helper.DisposeAsync();
        await base.DisposeAsync();
    }
}
