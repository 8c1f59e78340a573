using System.Text.Json;
using VolumeAgent.Docker.Models;
using VolumeAgent.IntegrationTests.Fixtures;

namespace VolumeAgent.IntegrationTests.Backups;

/// <summary>
/// A database server of the test images, named (backup.yml names it) and labelled by the test's scope, driven
/// the way a person would: `docker exec -i NAME psql|mariadb ...` with SQL or a dump on standard input.
/// </summary>
internal sealed class DatabaseContainer
{
    private static readonly TimeSpan HealthyTimeout = TimeSpan.FromSeconds(90);
    private readonly TestScope _scope;

    private DatabaseContainer(TestScope scope, string id, string name)
    {
        _scope = scope;
        Id = id;
        Name = name;
    }

    public string Id { get; }

    public string Name { get; }

    /// <summary>Starts the image with <paramref name="environment"/> and waits until its health check passes (the real server listens).</summary>
    public static async Task<DatabaseContainer> StartAsync(
        TestScope scope, string image, string prefix, IReadOnlyList<string> environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var name = scope.Fixture.UniqueName(prefix);
        var id = await scope.RunContainerAsync(
            new ContainerCreateRequest
            {
                Image = image,
                Env = environment,
                Labels = scope.Fixture.LabelsWith(),
            },
            cancellationToken,
            name);
        var container = new DatabaseContainer(scope, id, name);
        await container.WaitHealthyAsync(cancellationToken);
        return container;
    }

    public static Task<DatabaseContainer> StartPostgresAsync(TestScope scope, string prefix, CancellationToken cancellationToken, params string[] environment) =>
        StartAsync(scope, TestImages.Postgres, prefix, environment, cancellationToken);

    public static Task<DatabaseContainer> StartMariaDbAsync(TestScope scope, string prefix, string rootPassword, CancellationToken cancellationToken) =>
        StartAsync(scope, TestImages.MariaDb, prefix, [$"MARIADB_ROOT_PASSWORD={rootPassword}", "MARIADB_INITDB_SKIP_TZINFO=1"], cancellationToken);

    /// <summary>`docker exec -i [-e VAR=value] NAME COMMAND...`, with <paramref name="stdin"/> fed to it.</summary>
    public Task<ProcessResult> ExecAsync(IReadOnlyList<string> command, CancellationToken cancellationToken, Stream? stdin = null, params string[] environment)
    {
        List<string> arguments = ["exec", "-i"];
        foreach (var variable in environment)
        {
            arguments.AddRange(["-e", variable]);
        }

        arguments.Add(Name);
        arguments.AddRange(command);
        return HostProcess.RunAsync("docker", arguments, cancellationToken, stdin, timeout: TimeSpan.FromMinutes(2));
    }

    /// <summary>`gunzip -c FILE | docker exec -i [-e VAR=value] NAME COMMAND...`: a stored artifact restored exactly as a person would.</summary>
    public Task<ProcessResult> PipeGunzippedAsync(string file, IReadOnlyList<string> command, CancellationToken cancellationToken, params string[] environment)
    {
        List<string> arguments = ["-c", "set -o pipefail; file=$1; shift; gunzip -c \"$file\" | docker exec -i \"$@\"", "restore", file];
        foreach (var variable in environment)
        {
            arguments.AddRange(["-e", variable]);
        }

        arguments.Add(Name);
        arguments.AddRange(command);
        return HostProcess.RunAsync("bash", arguments, cancellationToken, timeout: TimeSpan.FromMinutes(2));
    }

    /// <summary>Like <see cref="ExecAsync"/>, failing with the output unless the command exits 0; returns its standard output.</summary>
    public async Task<string> ExecCheckedAsync(IReadOnlyList<string> command, CancellationToken cancellationToken, Stream? stdin = null, params string[] environment)
    {
        var result = await ExecAsync(command, cancellationToken, stdin, environment);
        result.ExitCode.Should().Be(0, $"`{string.Join(' ', command)}` in {Name} failed: {result.Stderr}{result.Stdout[..Math.Min(result.Stdout.Length, 2000)]}");
        return result.Stdout;
    }

    /// <summary>Runs SQL text through psql as postgres on the socket, stopping at the first error.</summary>
    public Task<string> PsqlAsync(string database, string sql, CancellationToken cancellationToken, params string[] environment) =>
        ExecCheckedAsync(
            ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "--no-align", "--tuples-only", "-U", "postgres", "-d", database, "-f", "-"],
            cancellationToken,
            new MemoryStream(System.Text.Encoding.UTF8.GetBytes(sql)),
            environment);

    /// <summary>Runs SQL text through the mariadb client as root (password in MYSQL_PWD, never on the command line).</summary>
    public Task<string> MariaDbAsync(string rootPassword, string? database, string sql, CancellationToken cancellationToken)
    {
        List<string> command = ["mariadb", "-uroot", "--batch", "--skip-column-names"];
        if (database is not null)
        {
            command.Add(database);
        }

        return ExecCheckedAsync(command, cancellationToken, new MemoryStream(System.Text.Encoding.UTF8.GetBytes(sql)), $"MYSQL_PWD={rootPassword}");
    }

    public Task StopAsync(CancellationToken cancellationToken) => _scope.Client.Containers.StopAsync(Id, TimeSpan.FromSeconds(10), cancellationToken);

    public Task KillAsync(CancellationToken cancellationToken) => _scope.Client.Containers.KillAsync(Id, "SIGKILL", cancellationToken);

    private async Task WaitHealthyAsync(CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(HealthyTimeout);
        var status = "unknown";
        try
        {
            while (true)
            {
                var inspect = await _scope.Fixture.InspectContainerRawAsync(Id, limit.Token);
                var state = inspect.GetProperty("State");
                if (!state.GetProperty("Running").GetBoolean())
                {
                    throw new InvalidOperationException($"Database container {Name} stopped before it was ready (exit code {state.GetProperty("ExitCode").GetInt64()}).");
                }

                status = state.TryGetProperty("Health", out var health) && health.ValueKind == JsonValueKind.Object
                    ? health.GetProperty("Status").GetString() ?? "unknown"
                    : "none";
                if (status == "healthy")
                {
                    return;
                }

                await Task.Delay(250, limit.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Database container {Name} was not healthy within {HealthyTimeout.TotalSeconds:0} s (health: {status}).");
        }
    }
}
