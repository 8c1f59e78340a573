using System.Globalization;
using System.Text;
using VolumeAgent.Docker.Models;
using VolumeAgent.Restore;
using VolumeAgent.Sources.Shared.Exec;
using VolumeAgent.Sources.Shared.Helpers;

namespace VolumeAgent.Sources.Sqlite;

/// <summary>
/// An SQLite database file in a volume that a table script is restored into, reached through throwaway helpers from
/// an image with sqlite3 (the one that dumped it): looked at read-only when planning, fed the script when restoring.
/// </summary>
internal sealed class SqliteTarget
{
    private const string MountPoint = "/data";

    // $1 the file. Prints -1 when there is no such file, else its number of tables (SQLite's own aside).
    private const string CountScript =
        "if [ -e \"/data/$1\" ]; then sqlite3 -readonly \"/data/$1\" \".timeout 60000\" \"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\';\"; else echo -1; fi";

    // $1 the file. The script runs in one transaction and -bail stops at the first error, so a failed restore changes
    // nothing; a file created here gets the owner of its directory, so the application can still write it.
    private const string RestoreScript =
        "set -e; f=\"/data/$1\"; d=$(dirname \"$f\"); mkdir -p \"$d\"; new=0; [ -e \"$f\" ] || new=1; "
        + "if ! sqlite3 -bail \"$f\"; then [ $new = 0 ] || rm -f \"$f\"; exit 1; fi; "
        + "[ $new = 0 ] || chown \"$(stat -c %u:%g \"$d\")\" \"$f\"";

    private readonly SourceContext _context;

    public SqliteTarget(SourceContext context, string volume, string file, string image)
    {
        _context = context;
        Volume = volume;
        File = file;
        Image = image;
    }

    public string Volume { get; }

    /// <summary>The database file's path inside the volume.</summary>
    public string File { get; }

    public string Image { get; }

    public string Name => $"sqlite {Volume}:{File}";

    /// <summary>The number of tables the file holds; -1 when the volume or the file does not exist.</summary>
    public async Task<int> TablesAsync(CancellationToken cancellationToken)
    {
        if (await _context.Docker.Volumes.TryInspectAsync(Volume, cancellationToken) is null)
        {
            return -1;
        }

        await using var helper = await HelperContainer.StartAsync(_context.Docker, Spec(["sh", "-c", CountScript, "sh", File], $"look into {Name}"), _context.Log, cancellationToken);
        using var reader = new StreamReader(helper.Output, Encoding.UTF8, leaveOpen: true);
        var output = await reader.ReadToEndAsync(cancellationToken);
        var exit = await helper.WaitAsync(cancellationToken);
        return exit == 0 && int.TryParse(output.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var tables)
            ? tables
            : throw new RestoreRefusedException($"{Name} cannot be read with sqlite3 from {Image} (exit {exit}): {helper.Stderr}. Is it an SQLite database?");
    }

    /// <summary>Runs <paramref name="script"/> (a .dump) against the file, creating the volume and the file when missing.</summary>
    public async Task RestoreAsync(Stream script, bool volumeExists, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(script);
        if (!volumeExists)
        {
            await _context.Docker.Volumes.CreateAsync(Volume, null, cancellationToken);
        }

        var spec = Spec(["sh", "-c", RestoreScript, "sh", File], $"restore tables into {Name}") with { Stdin = true };
        await using var helper = await HelperContainer.StartAsync(_context.Docker, spec, _context.Log, cancellationToken);
        // When the script fails its checks mid-stream, sqlite3 must not see the end of its input as a clean end.
        var (code, delivered) = await helper.FeedAndWaitAsync(script, cancellationToken);
        if (code != 0)
        {
            var stderr = helper.Stderr.ToString();
            throw new RestoreFailedException($"sqlite3 failed restoring into {Name} (exit {code}), which is left as it was: {(stderr.Length > 0 ? stderr : "no error output")}");
        }

        if (!delivered)
        {
            throw new RestoreFailedException($"sqlite3 ended before it had read the whole script restoring into {Name} (exit 0).");
        }
    }

    private HelperSpec Spec(IReadOnlyList<string> command, string purpose) => new()
    {
        Image = Image,
        Command = command,
        Mounts = [new MountSpec { Type = "volume", Source = Volume, Target = MountPoint }],
        Labels = _context.HelperLabels("restore"),
        Capabilities = ["CHOWN", "DAC_OVERRIDE", "FOWNER"],
        Purpose = purpose,
    };
}
