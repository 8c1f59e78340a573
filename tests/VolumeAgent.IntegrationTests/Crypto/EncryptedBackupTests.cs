using System.Text.Json;
using VolumeAgent.IntegrationTests.Fixtures;
using VolumeAgent.IntegrationTests.Restore;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Crypto;

/// <summary>
/// A job with <c>encryption</c>, end to end: the agent as a subprocess, a real volume, and the reference <c>age</c>
/// 1.1.1 and <c>sha256sum</c> reading what it stored, as a person restoring by hand would.
/// </summary>
[Collection(DockerTests.Storages)]
public sealed class EncryptedBackupTests
{
    private readonly DockerFixture _fixture;
    private readonly ITestOutputHelper _output;

    public EncryptedBackupTests(DockerFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        _output = output;
    }

    [Fact]
    public async Task Encrypted_volume_backup_decrypts_with_age_verifies_and_restores_identical_with_the_identity()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        var ct = timeout.Token;
        await using var scope = _fixture.CreateScope(_output);
        await using var workspace = new RestoreWorkspace(scope, _output, "age-volume");
        var (keyFile, publicKey, secretKey) = await KeygenAsync(workspace.Root, "key.txt", ct);
        var (otherKey, _, _) = await KeygenAsync(workspace.Root, "other.txt", ct);
        var source = await workspace.CreateVolumeAsync("age-src", ct);
        await workspace.ShellAsync(source, VolumeRestoreTests.FillScript, ct);
        workspace.Configure($"      - volume: {source}\n    encryption:\n      recipients: [{publicKey}]\n");
        var outputs = new List<string>();

        var setDirectory = Path.Combine(workspace.StorePath, workspace.Job, await workspace.BackUpAsync(ct));

        // As stored: an .age file that sha256sum -c checks without any key.
        var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(setDirectory, "manifest.json"), ct));
        var artifact = manifest.RootElement.GetProperty("artifacts")[0];
        var file = artifact.GetProperty("file").GetString()!;
        file.Should().EndWith(".tar.gz.age");
        artifact.GetProperty("encryption").GetString().Should().Be("age");
        (await HostProcess.RunCheckedAsync("/usr/bin/sha256sum", ["-c", "SHA256SUMS"], ct, workingDirectory: setDirectory)).Should().Contain($"{file}: OK");

        // age -d gives back the compressed archive whose SHA-256 the manifest records.
        var decrypted = Path.Combine(workspace.Root, "decrypted.tar.gz");
        await HostProcess.RunCheckedAsync("/usr/bin/age", ["-d", "-i", keyFile, "-o", decrypted, Path.Combine(setDirectory, file)], ct);
        await using (var plain = File.OpenRead(decrypted))
        {
            (await Sha256.OfStreamAsync(plain, ct)).Hex.Should().Be(artifact.GetProperty("plaintext_sha256").GetString());
        }

        await HostProcess.RunCheckedAsync("/usr/bin/tar", ["-tzf", decrypted], ct);

        var unkeyed = await workspace.RunAsync(ct, "verify", "--latest", workspace.Job);
        unkeyed.ExitCode.Should().Be(0, unkeyed.ToString());
        unkeyed.Output.Should().Contain("SHA-256 matches SHA256SUMS").And.Contain("--identity");

        var wrong = await workspace.RunAsync(ct, "verify", "--latest", workspace.Job, "--identity", otherKey);
        wrong.ExitCode.Should().Be(1, wrong.ToString());
        wrong.Output.Should().Contain(file).And.Contain("cannot be decrypted").And.Contain("--identity");

        var verify = await workspace.RunAsync(ct, "verify", "--latest", workspace.Job, "--identity", keyFile);
        verify.ExitCode.Should().Be(0, verify.ToString());
        verify.Output.Should().NotContain("not checked");

        var target = workspace.TargetVolume("age-new");
        var refused = await workspace.RunAsync(ct, "restore", $"{workspace.Job}/latest", "--to-volume", target, "--yes");
        refused.ExitCode.Should().NotBe(0, refused.ToString());
        refused.Output.Should().Contain(file).And.Contain("--identity");

        var restore = await workspace.RunAsync(ct, "restore", $"{workspace.Job}/latest", "--to-volume", target, "--yes", "--identity", keyFile);
        restore.ExitCode.Should().Be(0, restore.ToString());
        (await workspace.ListTreeAsync(target, ct)).Should().Be(await workspace.ListTreeAsync(source, ct));

        // No key material anywhere the agent writes text: its output and the set's manifest.
        outputs.AddRange([unkeyed.Output, wrong.Output, verify.Output, refused.Output, restore.Output, await File.ReadAllTextAsync(Path.Combine(setDirectory, "manifest.json"), ct)]);
        var otherSecret = (await File.ReadAllLinesAsync(otherKey, ct)).Single(l => l.StartsWith("AGE-SECRET-KEY-1", StringComparison.Ordinal));
        foreach (var text in outputs)
        {
            text.Should().NotContainEquivalentOf(secretKey[16..]).And.NotContainEquivalentOf(otherSecret[16..]);
        }
    }

    private static async Task<(string File, string PublicKey, string SecretKey)> KeygenAsync(string directory, string name, CancellationToken cancellationToken)
    {
        var path = Path.Combine(directory, name);
        await HostProcess.RunCheckedAsync("/usr/bin/age-keygen", ["-o", path], cancellationToken);
        var lines = await File.ReadAllLinesAsync(path, cancellationToken);
        var publicKey = lines.Single(l => l.StartsWith("# public key: ", StringComparison.Ordinal))["# public key: ".Length..];
        return (path, publicKey, lines.Single(l => l.StartsWith("AGE-SECRET-KEY-1", StringComparison.Ordinal)));
    }
}
