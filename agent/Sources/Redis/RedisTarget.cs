using System.Diagnostics;
using System.Globalization;
using VolumeAgent.Docker;
using VolumeAgent.Docker.Models;
using VolumeAgent.Restore;
using VolumeAgent.Sources.Shared.Exec;

namespace VolumeAgent.Sources.Redis;

/// <summary>
/// A running Redis server to load a snapshot into (a restore's target, a drill's scratch server): where it keeps its
/// RDB file (<c>CONFIG GET dir</c> / <c>dbfilename</c>), whether it persists through an append-only file, and the keys
/// it holds. Loading is Redis's own start-up: with the server stopped, the snapshot is put in place of its RDB file
/// through the engine's archive API; the server loads it when it starts again.
/// </summary>
internal sealed class RedisTarget
{
    private const int FileMode = 0x1a4; // 0644, as Redis writes its own dump.rdb under the usual umask
    private static readonly TimeSpan LoadTimeout = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan LoadPoll = TimeSpan.FromMilliseconds(250);
    private readonly IDockerEngine _docker;

    private RedisTarget(IDockerEngine docker, RedisCli cli, string dataDir, string fileName, bool appendOnly, (int Uid, int Gid) owner, RedisKeyspace keyspace)
    {
        _docker = docker;
        Redis = cli;
        DataDir = dataDir;
        FileName = fileName;
        AppendOnly = appendOnly;
        Owner = owner;
        Keyspace = keyspace;
    }

    public RedisCli Redis { get; }

    public string Name => Redis.Name;

    public string DataDir { get; }

    public string FileName { get; }

    /// <summary><c>appendonly yes</c>: the server starts from its AOF and ignores the RDB file.</summary>
    public bool AppendOnly { get; }

    /// <summary>The owner given to the RDB file put in place: the data directory's.</summary>
    public (int Uid, int Gid) Owner { get; }

    /// <summary>The keys the server held when it was connected to.</summary>
    public RedisKeyspace Keyspace { get; }

    /// <summary>Asks the server for its keys and its persistence settings; throws <see cref="ArtifactFailedException"/> naming the cause.</summary>
    public static async Task<RedisTarget> ConnectAsync(IDockerEngine docker, ContainerInspect container, string? password, string remedy, CancellationToken cancellationToken)
    {
        var cli = new RedisCli(docker, container, password);
        var keyspace = await cli.KeyspaceAsync(remedy, cancellationToken);
        var dir = await ConfigAsync(cli, "dir", remedy, cancellationToken);
        var file = await ConfigAsync(cli, "dbfilename", remedy, cancellationToken);
        var appendOnly = await ConfigAsync(cli, "appendonly", remedy, cancellationToken);
        if (!dir.StartsWith('/') || file.Length == 0 || file.Contains('/', StringComparison.Ordinal))
        {
            throw new ArtifactFailedException($"The Redis server in container {cli.Name} keeps its RDB file at '{dir}' / '{file}', which the agent cannot write to through the archive API.");
        }

        var stat = await ExecCapture.RunAsync(docker, container.Id, ["stat", "-c", "%u %g", "--", dir], null, cancellationToken);
        var ids = stat.Succeeded ? stat.Stdout.Trim().Split(' ') : [];
        var owner = ids.Length == 2
            && int.TryParse(ids[0], NumberStyles.None, CultureInfo.InvariantCulture, out var uid)
            && int.TryParse(ids[1], NumberStyles.None, CultureInfo.InvariantCulture, out var gid)
                ? (uid, gid)
                : (0, 0);
        return new RedisTarget(docker, cli, dir, file, string.Equals(appendOnly, "yes", StringComparison.OrdinalIgnoreCase), owner, keyspace);
    }

    /// <summary>Puts <paramref name="content"/> (<paramref name="size"/> bytes) in place of the server's RDB file; the server must be stopped.</summary>
    public async Task PutSnapshotAsync(Stream content, long size, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var tar = new RdbTarStream(content, size, FileName, Owner.Uid, Owner.Gid, FileMode, now);
        await _docker.Containers.PutArchiveAsync(Redis.Container.Id, DataDir, tar, cancellationToken);
    }

    /// <summary>Waits until the started server has loaded its data and answers, and returns its keys.</summary>
    /// <exception cref="RestoreFailedException">The container stopped (the server refused the file), or it did not answer in time.</exception>
    public async Task<RedisKeyspace> WaitLoadedAsync(CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        ExecResult? last = null;
        while (waited.Elapsed < LoadTimeout)
        {
            var state = await _docker.Containers.TryInspectAsync(Redis.Container.Id, cancellationToken);
            if (state?.State is not { Running: true })
            {
                throw new RestoreFailedException(
                    $"Container {Name} stopped while it loaded the snapshot (exit code {state?.State?.ExitCode.ToString(CultureInfo.InvariantCulture) ?? "unknown"}, {state?.State?.Status ?? "removed"}): "
                    + $"{await LogTailAsync(cancellationToken)}");
            }

            last = await Redis.TryRunAsync(["PING"], cancellationToken);
            if (last.Succeeded && last.Stdout.Trim() == "PONG")
            {
                return await Redis.KeyspaceAsync("Its server does not answer as it did before the restore.", cancellationToken);
            }

            await Task.Delay(LoadPoll, cancellationToken);
        }

        throw new RestoreFailedException(
            $"The Redis server in container {Name} had not loaded the snapshot after {LoadTimeout.TotalMinutes:0} minutes ({last?.Diagnostic.Trim()}).");
    }

    private static async Task<string> ConfigAsync(RedisCli cli, string parameter, string remedy, CancellationToken cancellationToken)
    {
        var reply = (await cli.RunAsync(["CONFIG", "GET", parameter], remedy, cancellationToken)).Split('\n');
        return reply.Length >= 2 && reply[0].Trim() == parameter
            ? reply[1].TrimEnd('\r')
            : throw new ArtifactFailedException($"The Redis server in container {cli.Name} did not say its {parameter} (CONFIG GET {parameter} gave '{string.Join(' ', reply).Trim()}').");
    }

    private async Task<string> LogTailAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var logs = await _docker.Containers.LogsAsync(Redis.Container.Id, follow: false, cancellationToken);
            var tail = new OutputTail(1024);
            await using var stdout = new StdoutStream(logs, tail);
            var buffer = new byte[16 * 1024];
            int read;
            while ((read = await stdout.ReadAsync(buffer, cancellationToken)) > 0)
            {
                tail.Append(buffer.AsSpan(0, read));
            }

            return tail.ToString().Trim();
        }
        catch (Exception ex) when (ex is DockerApiException or IOException)
        {
            return $"its log could not be read ({ex.Message})";
        }
    }
}
