using System.Text;
using Docker.DotNet;
using DotNet.Testcontainers.Builders;
using VolumeAgent.IntegrationTests.Fixtures;
using VolumeAgent.IntegrationTests.Fixtures.Client;

namespace VolumeAgent.IntegrationTests.Redis;

/// <summary>
/// Redis containers of the test image, started through Testcontainers and labelled by the test's scope, driven as
/// a person would: `docker exec` of redis-cli with the password in REDISCLI_AUTH. Testcontainers' Redis module is
/// not used: its readiness probe is a password-less `redis-cli ping`, and these servers may require a password.
/// </summary>
internal static class RedisServer
{
    /// <summary>
    /// Every key of one database with its type, a hash of its value and whether it has a TTL, sorted. The value is its
    /// DUMP (as Redis serialises it), except a set's: a hash-table set serialises in its table's order, which a reload
    /// may change, so its sorted members are hashed instead.
    /// </summary>
    private const string FingerprintScript = """
        local r = {}
        for _, k in ipairs(redis.call('KEYS', '*')) do
          local t = redis.call('TYPE', k).ok
          local v
          if t == 'set' then
            local m = redis.call('SMEMBERS', k)
            table.sort(m)
            v = table.concat(m, '\n')
          else
            v = redis.call('DUMP', k)
          end
          r[#r + 1] = k .. ' ' .. t .. ' ' .. redis.sha1hex(v) .. ' ' .. (redis.call('PTTL', k) > 0 and 'ttl' or '-')
        end
        table.sort(r)
        return r
        """;

    /// <summary>Starts the image (with <c>REDIS_PASSWORD</c> when <paramref name="password"/> is given, and redis-server <paramref name="arguments"/>) and waits until it is healthy.</summary>
    public static async Task<string> StartAsync(TestScope scope, string prefix, CancellationToken cancellationToken, string? password = null, params string[] arguments)
    {
        var name = scope.Fixture.UniqueName(prefix);
        var builder = new ContainerBuilder(TestImages.Redis)
            .WithName(name)
            .WithLabel(scope.Fixture.LabelsWith())
            .WithWaitStrategy(ServiceContainers.UntilHealthy());
        if (password is not null)
        {
            builder = builder.WithEnvironment("REDIS_PASSWORD", password);
        }

        if (arguments.Length > 0)
        {
            builder = builder.WithCommand(["redis-server", .. arguments]);
        }

        await ServiceContainers.StartAsync(scope, builder.Build(), name, cancellationToken);
        return name;
    }

    /// <summary>Runs `redis-cli ARGS` (commands on <paramref name="stdin"/>, one a line, when given); fails unless it exits 0; returns its output.</summary>
    public static async Task<string> CliAsync(DockerClient client, string container, string? password, IReadOnlyList<string> arguments, CancellationToken cancellationToken, string? stdin = null) =>
        await ExecAsync(client, container, password, ["redis-cli", "-e", .. arguments], stdin, cancellationToken);

    /// <summary>Runs a shell script in the container with REDISCLI_AUTH set; returns its output.</summary>
    public static Task<string> ShellAsync(DockerClient client, string container, string? password, string script, CancellationToken cancellationToken) =>
        ExecAsync(client, container, password, ["sh", "-euc", script], null, cancellationToken);

    /// <summary>
    /// 500 strings in db0, a 3 MB value, a list, a hash, a set, an intset, a sorted set, a stream with a consumer
    /// group, a key with a TTL, and three keys in db3.
    /// </summary>
    public static async Task PopulateAsync(DockerClient client, string container, string? password, CancellationToken cancellationToken)
    {
        await ShellAsync(
            client,
            container,
            password,
            """
            i=0; while [ $i -lt 500 ]; do echo "SET key:$i value-$i"; i=$((i+1)); done | redis-cli -e > /dev/null
            head -c 3000000 /dev/urandom | base64 -w0 | redis-cli -e -x SET big > /dev/null
            """,
            cancellationToken);
        await CliAsync(
            client,
            container,
            password,
            [],
            cancellationToken,
            """
            SET "with space" "hello world é 日本"
            RPUSH list a b c 1 2 3
            HSET hash f1 v1 f2 v2 f3 3
            SADD set x y z
            SADD intset 1 2 3 4
            ZADD zset 1 one 2.5 two 3 three
            XADD stream * field value
            XADD stream * field2 value2
            XGROUP CREATE stream readers 0
            SET volatile v EX 86400
            SELECT 3
            SET other 1
            SET other2 2
            LPUSH otherlist x
            """);
    }

    /// <summary>The fingerprint of each database: its keys, types, values and TTL presence.</summary>
    public static async Task<string> FingerprintAsync(DockerClient client, string container, string? password, CancellationToken cancellationToken, params int[] databases)
    {
        var text = new StringBuilder();
        foreach (var db in databases)
        {
            text.Append("db").Append(db).Append('\n')
                .Append(await CliAsync(client, container, password, ["-n", db.ToString(System.Globalization.CultureInfo.InvariantCulture), "EVAL", FingerprintScript, "0"], cancellationToken));
        }

        return text.ToString();
    }

    private static async Task<string> ExecAsync(DockerClient client, string container, string? password, IReadOnlyList<string> command, string? stdin, CancellationToken cancellationToken)
    {
        using var input = stdin is null ? null : new MemoryStream(Encoding.UTF8.GetBytes(stdin));
        var result = await ContainerExec.RunAsync(client, container, command, cancellationToken, input, password is null ? [] : [$"REDISCLI_AUTH={password}"]);
        result.ExitCode.Should().Be(0, $"`{string.Join(' ', command)}` in {container} failed: {result.Stderr}");
        return result.Text;
    }
}
