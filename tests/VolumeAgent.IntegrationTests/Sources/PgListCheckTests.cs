using VolumeAgent.IntegrationTests.Fixtures;
using VolumeAgent.IntegrationTests.Fixtures.Client;
using VolumeAgent.Sources;
using Xunit.Abstractions;
using VolumeAgent.Sources.Postgres;

namespace VolumeAgent.IntegrationTests.Sources;

/// <summary>
/// The custom-format check against a stand-in pg_restore in a real container: the engine's exec connection is
/// what the check has to cope with, not PostgreSQL's.
/// </summary>
[Collection(DockerTests.Databases)]
public sealed class PgListCheckTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(2);
    private const int DumpBytes = 8 * 1024 * 1024;
    private readonly DockerFixture _docker;
    private readonly ITestOutputHelper _output;

    public PgListCheckTests(DockerFixture docker, ITestOutputHelper output)
    {
        _docker = docker;
        _output = output;
    }

    /// <summary>
    /// pg_restore --list answers from the archive's head and exits without reading the rest of its stdin. The
    /// engine then closes the exec connection with the check's unread bytes in it, and a unix socket closed
    /// that way makes the check's next read fail with "connection reset by peer" instead of ending: after the
    /// answer, that is the end of the listing, not a failed dump.
    /// </summary>
    [Fact]
    public async Task VerifyAsync_ListerAnswersAndExitsWithoutReadingItsInput_Passes()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        var container = await InstallListerAsync(scope, "head -c 65536 >/dev/null; echo ';     Format: CUSTOM'; exit 0", cts.Token);

        // Each round races the lister's exit against the bytes still travelling to it; several rounds make
        // the reset (which needs unread bytes at the moment the engine closes) all but certain.
        for (var round = 0; round < 20; round++)
        {
            await using var check = new PgListCheck(_docker.Engine, Serilog.Core.Logger.None, container, []);
            await check.StartAsync(cts.Token);
            await DrainAsync(check.Wrap(new MemoryStream(RandomBytes())), cts.Token);

            await check.VerifyAsync($"round {round}", cts.Token);
        }
    }

    [Fact]
    public async Task VerifyAsync_ListerRejectsTheArchive_FailsWithItsExitCodeAndMessage()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        var container = await InstallListerAsync(scope, "echo 'pg_restore: error: input file does not appear to be a valid archive' >&2; exit 1", cts.Token);
        await using var check = new PgListCheck(_docker.Engine, Serilog.Core.Logger.None, container, []);
        await check.StartAsync(cts.Token);
        await DrainAsync(check.Wrap(new MemoryStream(RandomBytes())), cts.Token);

        var act = () => check.VerifyAsync("pg_dump of database 'app'", cts.Token);

        (await act.Should().ThrowAsync<ArtifactFailedException>()).Which.Message.Should()
            .Contain("pg_dump of database 'app'").And.Contain("exit 1").And.Contain("does not appear to be a valid archive");
    }

    private static byte[] RandomBytes()
    {
        var bytes = new byte[DumpBytes];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }

    private static async Task DrainAsync(Stream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        while (await stream.ReadAsync(buffer, cancellationToken) > 0)
        {
        }
    }

    /// <summary>A sleeper container whose pg_restore is a script: it prints and exits, never reading stdin.</summary>
    private async Task<string> InstallListerAsync(TestScope scope, string body, CancellationToken cancellationToken)
    {
        var container = await scope.StartSleeperAsync(cancellationToken);
        await ContainerExec.RunCheckedAsync(
            _docker.Client,
            container,
            ["sh", "-c", $"printf '#!/bin/sh\\n%s\\n' \"$0\" > /bin/pg_restore && chmod 0755 /bin/pg_restore", body],
            cancellationToken);
        return container;
    }
}
