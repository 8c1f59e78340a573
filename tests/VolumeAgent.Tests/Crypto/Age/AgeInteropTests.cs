using System.Security.Cryptography;
using VolumeAgent.Crypto.Age;
using VolumeAgent.Tests.Pipeline;

namespace VolumeAgent.Tests.Crypto.Age;

/// <summary>The agent's age streams against the reference implementation, <c>/usr/bin/age</c> 1.1.1 (CI installs it).</summary>
public sealed class AgeInteropTests : IDisposable
{
    private const string AgeTool = "/usr/bin/age";
    private readonly string _dir = Directory.CreateTempSubdirectory("age-interop-").FullName;

    [Theory]
    [InlineData(0)]
    [InlineData(AgePayload.ChunkSize)]
    [InlineData((3 * AgePayload.ChunkSize) + 77)]
    public async Task Files_the_agent_encrypts_decrypt_with_age(int size)
    {
        var (identity, keyFile) = await KeygenAsync();
        var plain = RandomNumberGenerator.GetBytes(size);
        await File.WriteAllBytesAsync(Path(".age"), await AgeStreamTests.EncryptAsync(plain, [identity.Recipient]));

        // To stdout: age creates an -o file only when there is something to write.
        var result = await HostTool.RunAsync(AgeTool, ["-d", "-i", keyFile, Path(".age")], stdoutFile: Path(".out"));

        result.ExitCode.Should().Be(0, result.Stderr);
        (await File.ReadAllBytesAsync(Path(".out"))).Should().Equal(plain);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2 * AgePayload.ChunkSize)]
    [InlineData(AgePayload.ChunkSize + 1)]
    public async Task Files_age_encrypts_are_read_by_the_agent(int size)
    {
        var (identity, _) = await KeygenAsync();
        var plain = RandomNumberGenerator.GetBytes(size);
        await File.WriteAllBytesAsync(Path(".in"), plain);

        var result = await HostTool.RunAsync(AgeTool, ["-r", identity.Recipient.Encoded, "-r", X25519Identity.Generate().Recipient.Encoded, "-o", Path(".age"), Path(".in")]);

        result.ExitCode.Should().Be(0, result.Stderr);
        (await AgeStreamTests.DecryptAsync(await File.ReadAllBytesAsync(Path(".age")), [identity])).Should().Equal(plain);
    }

    [Fact]
    public async Task Age_refuses_the_agents_file_with_another_key()
    {
        var (identity, _) = await KeygenAsync();
        var (_, otherKey) = await KeygenAsync();
        await File.WriteAllBytesAsync(Path(".age"), await AgeStreamTests.EncryptAsync([1, 2, 3], [identity.Recipient]));

        var result = await HostTool.RunAsync(AgeTool, ["-d", "-i", otherKey, "-o", Path(".out"), Path(".age")]);

        result.ExitCode.Should().NotBe(0);
        result.Stderr.Should().Contain("no identity matched");
    }

    // age reads a passphrase from the terminal only: util-linux's script(1) gives it one, fed from a file.
    [Fact]
    public async Task Passphrase_files_the_agent_writes_decrypt_with_age()
    {
        var plain = RandomNumberGenerator.GetBytes(AgePayload.ChunkSize + 5);
        await File.WriteAllBytesAsync(Path(".age"), await AgeStreamTests.EncryptAsync(plain, [new ScryptRecipient("interop passphrase", workFactor: 12)]));
        await File.WriteAllTextAsync(Path(".tty"), "interop passphrase\n");

        var result = await HostTool.RunAsync("/usr/bin/script", ["-qec", $"{AgeTool} -d -o {Path(".out")} {Path(".age")}", "/dev/null"], stdinFile: Path(".tty"));

        result.ExitCode.Should().Be(0, result.Stdout);
        (await File.ReadAllBytesAsync(Path(".out"))).Should().Equal(plain);
    }

    [Fact]
    public async Task Passphrase_files_age_writes_are_read_by_the_agent()
    {
        var plain = RandomNumberGenerator.GetBytes(1000);
        await File.WriteAllBytesAsync(Path(".in"), plain);
        await File.WriteAllTextAsync(Path(".tty"), "interop passphrase\ninterop passphrase\n");

        var result = await HostTool.RunAsync("/usr/bin/script", ["-qec", $"{AgeTool} -p -o {Path(".age")} {Path(".in")}", "/dev/null"], stdinFile: Path(".tty"));

        result.ExitCode.Should().Be(0, result.Stdout);
        var sealedFile = await File.ReadAllBytesAsync(Path(".age"));
        (await AgeStreamTests.DecryptAsync(sealedFile, [new ScryptRecipient("interop passphrase")])).Should().Equal(plain);
        var wrong = () => AgeStreamTests.DecryptAsync(sealedFile, [new ScryptRecipient("another passphrase")]);
        await wrong.Should().ThrowAsync<AgeNoIdentityException>();
    }

    private async Task<(X25519Identity Identity, string KeyFile)> KeygenAsync()
    {
        var keyFile = Path($"-{Guid.NewGuid():N}.key");
        var result = await HostTool.RunAsync("/usr/bin/age-keygen", ["-o", keyFile]);
        result.ExitCode.Should().Be(0, result.Stderr);
        return (AgeIdentityFile.Read(keyFile).Single(), keyFile);
    }

    private string Path(string suffix) => System.IO.Path.Combine(_dir, "file" + suffix);

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
