using System.Buffers;
using System.Text;
using VolumeAgent.Docker.Models;
using VolumeAgent.Pipeline.Tar;
using VolumeAgent.Sources.Shared.Exec;
using VolumeAgent.Sources.Shared.Helpers;
using VolumeAgent.Restore;

namespace VolumeAgent.Sources.Shared.Archives;

/// <summary>
/// Reads and writes a volume (or host directory) through throwaway helpers: the same isolation as the backup's
/// (no network, capabilities dropped, no log copy, removed whatever happens). Extraction streams the archive
/// into <c>tar -x</c>'s stdin; the agent decompresses and checks it on the way.
/// </summary>
internal sealed class VolumeRestorer
{
    public const string MountPoint = "/data";

    /// <summary>
    /// What tar needs as root to put owners, modes and special files back as they were, and no more: chown,
    /// write anywhere, set modes on files it does not own (set-id bits kept). No MKNOD: device nodes are refused
    /// before tar sees them (<see cref="EntryNameGuard"/>).
    /// </summary>
    private static readonly string[] ExtractCapabilities = ["CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID"];

    private const int ListingLimit = 5;
    private const int BufferSize = 128 * 1024;
    private readonly SourceContext _context;

    public VolumeRestorer(SourceContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
    }

    public static MountSpec Volume(string name, bool readOnly = false) => new() { Type = "volume", Source = name, Target = MountPoint, ReadOnly = readOnly };

    public static MountSpec HostPath(string path, bool readOnly = false) => new() { Type = "bind", Source = path, Target = MountPoint, ReadOnly = readOnly };

    /// <summary>The first few names at the top of the target; empty when it is empty.</summary>
    public async Task<IReadOnlyList<string>> ListTopAsync(MountSpec target, string what, CancellationToken cancellationToken)
    {
        var result = await RunAsync(
            ReadOnly(target), ["ls", "-A", MountPoint], ["DAC_READ_SEARCH"], $"look into {what}", cancellationToken);
        return result.Split('\n', StringSplitOptions.RemoveEmptyEntries).Take(ListingLimit).ToList();
    }

    /// <summary>Removes everything in the target (not the target itself).</summary>
    public Task ClearAsync(MountSpec target, string what, CancellationToken cancellationToken) =>
        RunAsync(target, ["sh", "-c", $"rm -rf -- {MountPoint}/..?* {MountPoint}/.[!.]* {MountPoint}/*"], ["DAC_OVERRIDE", "FOWNER"], $"empty {what}", cancellationToken);

    /// <summary>
    /// Extracts <paramref name="archive"/> (validated as it streams) into the target. Numeric owners: a name in
    /// the helper's /etc/passwd must not change whose files they are.
    /// </summary>
    public async Task ExtractAsync(MountSpec target, TarFilterStream archive, string what, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(archive);
        var spec = Spec(target, ["tar", "-x", "-p", "--numeric-owner", "-f", "-", "-C", MountPoint], ExtractCapabilities, $"restore {what}") with { Stdin = true };
        await using var helper = await HelperContainer.StartAsync(_context.Docker, spec, _context.Log, cancellationToken);
        // When the archive fails its checks mid-stream, tar must not see the end of its input as a clean end.
        var (code, delivered) = await helper.FeedAndWaitAsync(archive, cancellationToken);
        if (code != 0)
        {
            var stderr = helper.Stderr.ToString();
            throw new RestoreFailedException($"tar failed restoring {what} (exit {code}): {(stderr.Length > 0 ? stderr : "no error output")}");
        }

        if (!delivered)
        {
            // tar stops reading at the end-of-archive blocks; what it left unread must be nothing but padding.
            var entries = archive.Entries.Count;
            await DrainAsync(archive, cancellationToken);
            if (archive.Entries.Count != entries)
            {
                throw new RestoreFailedException($"tar stopped reading before the end of the archive while restoring {what}; {archive.Entries.Count - entries} entries were not restored.");
            }
        }

        if (!archive.IsComplete)
        {
            throw new RestoreFailedException($"The archive restoring {what} ended before its end-of-archive marker.");
        }
    }

    /// <summary>The target's tree, archived back by a helper and parsed; for comparing a restore with its backup.</summary>
    public async Task<IReadOnlyList<TarEntryInfo>> ReadTreeAsync(MountSpec target, string what, CancellationToken cancellationToken)
    {
        var spec = Spec(ReadOnly(target), ["tar", "-c", "-f", "-", "-C", MountPoint, "."], ["DAC_READ_SEARCH"], $"read back {what}");
        await using var helper = await HelperContainer.StartAsync(_context.Docker, spec, _context.Log, cancellationToken);
        using var parser = new TarStreamParser();
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            int read;
            while ((read = await helper.Output.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken)) > 0)
            {
                parser.Feed(buffer.AsSpan(0, read));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        var code = await helper.WaitAsync(cancellationToken);
        if (code != 0)
        {
            throw new RestoreFailedException($"tar failed reading back {what} (exit {code}): {helper.Stderr}");
        }

        parser.Complete();
        return [.. parser.Entries];
    }

    private async Task<string> RunAsync(MountSpec target, IReadOnlyList<string> command, IReadOnlyList<string> capabilities, string purpose, CancellationToken cancellationToken)
    {
        await using var helper = await HelperContainer.StartAsync(_context.Docker, Spec(target, command, capabilities, purpose), _context.Log, cancellationToken);
        using var reader = new StreamReader(helper.Output, Encoding.UTF8, leaveOpen: true);
        var output = await reader.ReadToEndAsync(cancellationToken);
        var code = await helper.WaitAsync(cancellationToken);
        if (code != 0)
        {
            throw new RestoreFailedException($"The helper to {purpose} failed (exit {code}): {helper.Stderr}");
        }

        return output;
    }

    private static MountSpec ReadOnly(MountSpec mount) =>
        new() { Type = mount.Type, Source = mount.Source, Target = mount.Target, ReadOnly = true };

    private HelperSpec Spec(MountSpec target, IReadOnlyList<string> command, IReadOnlyList<string> capabilities, string purpose) => new()
    {
        Image = _context.HelperImage,
        Command = command,
        Mounts = [target],
        Labels = _context.HelperLabels("restore"),
        Capabilities = capabilities,
        User = "0:0",
        Purpose = purpose,
    };

    private static async Task DrainAsync(Stream stream, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            while (await stream.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken) > 0)
            {
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
