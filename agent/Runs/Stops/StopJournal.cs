using System.Text.Json;
using System.Text.Json.Serialization;
using VolumeAgent.Manifest;
using Serilog;

namespace VolumeAgent.Runs.Stops;

/// <summary>
/// The containers agent runs have stopped and not started again, shared by every run of every job in every agent
/// process of one state directory, and read and changed only under its lock file. Each container lists the runs
/// that hold it stopped (its holders); it is started again when the last holder lets go. A holder whose process
/// died no longer counts, so what crashed runs left stopped is started again by the next command that repairs
/// (<see cref="StopRecovery"/>), unless a live run still holds it. Written before the first stop, so a crash
/// at any point leaves a journal that covers it.
/// </summary>
internal sealed class StopJournal : IDisposable
{
    private const string Folder = "journal";
    private const string FileName = "stopped.json";
    private const string LockFileName = "stopped.lock";
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);
    private readonly FileStream _lock;
    private readonly List<StoppedContainer> _containers;
    private readonly List<string> _migrated = [];

    private StopJournal(string stateDir, FileStream lockFile, List<StoppedContainer> containers)
    {
        StateDir = stateDir;
        _lock = lockFile;
        _containers = containers;
    }

    public string StateDir { get; }

    /// <summary>The journal's data file; absent while no container is held stopped.</summary>
    public string Path => PathOf(StateDir);

    /// <summary>Every container held stopped or waiting to be started again, in the order they were stopped.</summary>
    public IReadOnlyList<StoppedContainer> Containers => _containers;

    /// <summary>True when a journal lists something (this format or the older one-file-per-run); no lock is taken.</summary>
    public static bool Exists(string stateDir)
    {
        var folder = System.IO.Path.Combine(stateDir, Folder);
        return Directory.Exists(folder) && Directory.EnumerateFiles(folder, "*.json").Any();
    }

    /// <summary>Takes the journal's lock, waiting while another run or process holds it, and reads it.</summary>
    public static async Task<StopJournal> OpenAsync(string stateDir, TimeProvider time, ILogger log, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (TryOpen(stateDir, log) is { } journal)
            {
                return journal;
            }

            await Task.Delay(PollInterval, time, cancellationToken);
        }
    }

    /// <summary>The journal, or null when another run or process holds its lock now.</summary>
    /// <param name="log">Where a journal that cannot be read is reported.</param>
    public static StopJournal? TryOpen(string stateDir, ILogger log)
    {
        var folder = System.IO.Path.Combine(stateDir, Folder);
        Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        FileStream lockFile;
        try
        {
            lockFile = new FileStream(System.IO.Path.Combine(folder, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }

        try
        {
            var journal = new StopJournal(stateDir, lockFile, Read(PathOf(stateDir), log));
            journal.MigrateRunFiles(folder, log);
            return journal;
        }
        catch
        {
            lockFile.Dispose();
            throw;
        }
    }

    public StoppedContainer? Find(string id) => _containers.Find(c => c.Id == id);

    /// <summary>
    /// The run is about to stop (or, <paramref name="paused"/>, pause) a running container: it becomes a holder (beside any others), and the container's
    /// start time is recorded, by which a later start (someone else's) is recognised.
    /// </summary>
    /// <param name="engine">The engine the container is on; null for the default one.</param>
    /// <param name="paused">Paused rather than stopped (a Swarm task).</param>
    public void RecordStop(string id, string name, string? startedAt, JournalHolder holder, string? engine = null, bool paused = false)
    {
        var index = _containers.FindIndex(c => c.Id == id);
        var holders = index < 0 ? [holder] : _containers[index].Holders.Where(h => h != holder).Append(holder).ToList();
        var entry = new StoppedContainer(id, name, startedAt, holder, holders, engine == Docker.Engines.EngineRegistry.DefaultName ? null : engine) { Paused = paused };
        if (index < 0)
        {
            _containers.Add(entry);
        }
        else
        {
            _containers[index] = entry;
        }
    }

    /// <summary>The run holds a container another run stopped: it is started only once both have let go.</summary>
    public void Hold(string id, JournalHolder holder) =>
        Replace(id, c => c with { Holders = [.. c.Holders.Where(h => h != holder), holder] });

    /// <summary>The run has read what it needed: it no longer holds any container stopped.</summary>
    public void Release(JournalHolder holder)
    {
        for (var i = 0; i < _containers.Count; i++)
        {
            if (_containers[i].Holders.Contains(holder))
            {
                _containers[i] = _containers[i] with { Holders = [.. _containers[i].Holders.Where(h => h != holder)] };
            }
        }
    }

    /// <summary>Drops the holders whose agent process is gone (killed, crashed, host rebooted); returns how many.</summary>
    public int ForgetDeadHolders()
    {
        var verdicts = new Dictionary<string, bool>(StringComparer.Ordinal);
        bool Alive(JournalHolder holder)
        {
            if (!verdicts.TryGetValue(holder.InstanceId, out var alive))
            {
                verdicts[holder.InstanceId] = alive = AgentInstance.IsAlive(StateDir, holder.InstanceId);
            }

            return alive;
        }

        var forgotten = 0;
        for (var i = 0; i < _containers.Count; i++)
        {
            var live = _containers[i].Holders.Where(Alive).ToList();
            forgotten += _containers[i].Holders.Count - live.Count;
            _containers[i] = _containers[i] with { Holders = live };
        }

        return forgotten;
    }

    /// <summary>Records the start time the agent's own start attempt left, so the next attempt still sees its own stop.</summary>
    public void UpdateStartedAt(string id, string? startedAt) => Replace(id, c => c with { StartedAt = startedAt });

    public void Remove(string id) => _containers.RemoveAll(c => c.Id == id);

    /// <summary>Writes the journal (atomically, synced), or deletes it when it lists nothing.</summary>
    public void Save()
    {
        if (_containers.Count == 0)
        {
            File.Delete(Path);
        }
        else
        {
            var temporary = Path + ".tmp";
            using (var file = new FileStream(temporary, new FileStreamOptions
            {
                Mode = FileMode.Create,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            }))
            {
                JsonSerializer.Serialize(file, new JournalFile([.. _containers]), JournalJsonContext.Default.JournalFile);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, Path, overwrite: true);
        }

        foreach (var path in _migrated)
        {
            File.Delete(path);
        }

        _migrated.Clear();
    }

    public void Dispose() => _lock.Dispose();

    private static string PathOf(string stateDir) => System.IO.Path.Combine(stateDir, Folder, FileName);

    private static List<StoppedContainer> Read(string path, ILogger log)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        try
        {
            return [.. JsonSerializer.Deserialize(File.ReadAllBytes(path), JournalJsonContext.Default.JournalFile)?.Containers ?? []];
        }
        catch (JsonException ex)
        {
            // Written atomically, so this is damage from outside; set it aside rather than stop every run.
            var aside = path + ".unreadable";
            File.Move(path, aside, overwrite: true);
            log.ForEvent(LogEvents.StopJournalUnreadable).Error(
                "Stop journal {Path} cannot be read ({Error}); it is kept as {Aside}. Containers it lists may need `docker start` by hand",
                path,
                ex.Message,
                aside);
            return [];
        }
    }

    /// <summary>
    /// Takes in the one-file-per-run journals of earlier agent versions whose process is gone; a live process
    /// of an earlier version still clears its own.
    /// </summary>
    private void MigrateRunFiles(string folder, ILogger log)
    {
        foreach (var path in Directory.EnumerateFiles(folder, "*.json"))
        {
            if (path == Path)
            {
                continue;
            }

            JournalRecord? record;
            try
            {
                record = JsonSerializer.Deserialize(File.ReadAllBytes(path), JournalJsonContext.Default.JournalRecord);
            }
            catch (JsonException)
            {
                record = null;
            }

            if (record is null)
            {
                log.ForEvent(LogEvents.StopJournalRecordUnreadable).Warning("Stop journal {Path} cannot be read; containers it lists may need `docker start` by hand", path);
                continue;
            }

            if (AgentInstance.IsAlive(StateDir, record.InstanceId))
            {
                continue;
            }

            var holder = new JournalHolder(record.InstanceId, record.Job, record.RunId);
            foreach (var container in record.Containers)
            {
                // Its start time was not recorded: the container is started again as that version would have.
                RecordStop(container.Id, container.Name, startedAt: null, holder);
            }

            _migrated.Add(path);
        }
    }

    private void Replace(string id, Func<StoppedContainer, StoppedContainer> change)
    {
        var index = _containers.FindIndex(c => c.Id == id);
        if (index >= 0)
        {
            _containers[index] = change(_containers[index]);
        }
    }
}
