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
