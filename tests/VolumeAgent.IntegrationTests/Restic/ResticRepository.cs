using System.Text.Json;
using VolumeAgent.IntegrationTests.Fixtures;

namespace VolumeAgent.IntegrationTests.Restic;

/// <summary>A local restic repository in a test's workspace, read with the host's own restic (Debian's, as .ci/run installs).</summary>
internal sealed class ResticRepository
{
    public const string Image = "volume-agent-test/restic:bookworm";

    public ResticRepository(AgentWorkspace workspace, string password = "restic-repo-secret-7f3a")
    {
        ArgumentNullException.ThrowIfNull(workspace);
        Path = System.IO.Path.Combine(workspace.Root, "repository");
        Password = password;
        PasswordFile = System.IO.Path.Combine(workspace.Root, "restic-password");
        File.WriteAllText(PasswordFile, password + "\n");
    }

    public string Path { get; }

    public string Password { get; }

    public string PasswordFile { get; }

    /// <summary>The storage's entry in backup.yml under <c>storage:</c>.</summary>
    public string StorageYaml(string name, bool init = true, string? passwordFile = null) =>
        $"  {name}: {{ type: restic, repository: {Path}, password_file: {passwordFile ?? PasswordFile}, init: {(init ? "true" : "false")}, image: {Image} }}\n";

    /// <summary>Runs the host's restic on the repository; fails with its output unless it exits 0.</summary>
    public Task<string> RunAsync(CancellationToken cancellationToken, params string[] arguments) =>
        HostProcess.RunCheckedAsync("restic", ["--repo", Path, "--password-file", PasswordFile, "--no-cache", .. arguments], cancellationToken);

    /// <summary>The file of the newest snapshot of <paramref name="path"/>, as text.</summary>
    public Task<string> DumpAsync(string path, CancellationToken cancellationToken) => RunAsync(cancellationToken, "dump", "--path", path, "latest", path);

    /// <summary>
    /// A closing file of a set (SHA256SUMS, manifest.json) as text, from the newest snapshot holding it: the set's
    /// directory snapshot (<c>/&lt;job&gt;/&lt;set&gt;</c>, tagged <c>object=&lt;name&gt;</c>) or one of the file alone.
    /// </summary>
    public async Task<string> DumpSetFileAsync(string job, string set, string name, CancellationToken cancellationToken)
    {
        var path = $"/{job}/{set}/{name}";
        using var json = JsonDocument.Parse(await RunAsync(cancellationToken, "snapshots", "--json"));
        var holder = json.RootElement.EnumerateArray()
            .Where(s => s.GetProperty("paths")[0].GetString() is var p && (p == path || (p == $"/{job}/{set}" && s.GetProperty("tags").EnumerateArray().Any(t => t.GetString() == "object=" + name))))
            .MaxBy(s => DateTimeOffset.Parse(s.GetProperty("time").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        return await RunAsync(cancellationToken, "dump", holder.GetProperty("id").GetString()!, path);
    }

    /// <summary>
    /// Stores a set's SHA256SUMS and manifest.json again as earlier versions of the agent did, a <c>restic backup
    /// --stdin</c> snapshot of each (<c>/&lt;job&gt;/&lt;set&gt;/&lt;name&gt;</c>, tagged with the set and <c>object=&lt;name&gt;</c>,
    /// an empty file as one blank line), and forgets the snapshot of the set's directory that held them.
    /// </summary>
    public async Task RewriteInTheOldLayoutAsync(string job, string set, CancellationToken cancellationToken)
    {
        var directory = (await SnapshotsAsync(cancellationToken)).Single(s => s.Path == $"/{job}/{set}");
        var run = set[(set.IndexOf('-', StringComparison.Ordinal) + 1)..];
        foreach (var name in (string[])["SHA256SUMS", "manifest.json"])
        {
            await HostProcess.RunCheckedAsync(
                "sh",
                ["-c", """
                    content="$(restic --repo "$1" --password-file "$2" --no-cache dump "$3" "$4")" || exit 1
                    printf '%s\n' "$content" | restic --repo "$1" --password-file "$2" --no-cache --quiet backup --stdin --stdin-filename "$5" \
                      --host volume-agent --tag volume-agent --tag "job=$6" --tag "set=$7" --tag "run=$8" --tag "object=$9"
                    """,
                    "sh", Path, PasswordFile, directory.Id, $"/{job}/{set}/{name}", $"{job}/{set}/{name}", job, set, run, name],
                cancellationToken);
        }

        await RunAsync(cancellationToken, "forget", directory.Id);
    }

    /// <summary>Every snapshot as (id, path, tags), from <c>restic snapshots --json</c>.</summary>
    public async Task<IReadOnlyList<(string Id, string Path, IReadOnlyList<string> Tags)>> SnapshotsAsync(CancellationToken cancellationToken)
    {
        using var json = JsonDocument.Parse(await RunAsync(cancellationToken, "snapshots", "--json"));
        return [.. json.RootElement.EnumerateArray().Select(s => (
            s.GetProperty("id").GetString()!,
            s.GetProperty("paths")[0].GetString()!,
            (IReadOnlyList<string>)[.. s.GetProperty("tags").EnumerateArray().Select(t => t.GetString()!)]))];
    }

    /// <summary>SHA-256 of <c>restic dump</c> of one snapshot's file, streamed on the host.</summary>
    public async Task<string> DumpSha256Async(string snapshot, string path, CancellationToken cancellationToken)
    {
        var output = await HostProcess.RunCheckedAsync(
            "sh", ["-c", "restic --repo \"$1\" --password-file \"$2\" --no-cache dump \"$3\" \"$4\" | sha256sum", "sh", Path, PasswordFile, snapshot, path], cancellationToken);
        return output.Split(' ')[0];
    }
}
