using VolumeAgent.Sources.Redis;

namespace VolumeAgent.Tests.Sources.Redis;

/// <summary>INFO keyspace read as Redis 7 writes it, and the drill's comparison of recorded and loaded counts.</summary>
public sealed class RedisKeyspaceTests
{
    private const string Info = "# Keyspace\r\ndb0:keys=10,expires=1,avg_ttl=99999947\r\ndb2:keys=2,expires=0,avg_ttl=0\r\n";

    [Fact]
    public void ParseInfo_RealReply_ReadsEveryDatabase()
    {
        var keyspace = RedisKeyspace.ParseInfo(Info);

        keyspace.Databases.Should().BeEquivalentTo(new Dictionary<int, RedisDatabaseCount> { [0] = new(10, 1), [2] = new(2, 0) });
        keyspace.Keys.Should().Be(12);
        keyspace.ToString().Should().Be("db0 10 keys (1 with a TTL), db2 2 keys");
    }

    [Fact]
    public void ParseInfo_EmptyServer_IsEmpty()
    {
        var keyspace = RedisKeyspace.ParseInfo("# Keyspace\r\n");

        keyspace.IsEmpty.Should().BeTrue();
        keyspace.ToString().Should().Be("no keys");
        keyspace.Should().Be(RedisKeyspace.Empty);
    }

    [Theory]
    [InlineData("dbx:keys=1")]
    [InlineData("db0:keys=many,expires=0")]
    [InlineData("db0:expires=0")]
    public void ParseInfo_NotAKeyspaceLine_Throws(string line)
    {
        var parse = () => RedisKeyspace.ParseInfo(line);

        parse.Should().Throw<FormatException>();
    }

    [Fact]
    public void Difference_SameCounts_IsNull()
    {
        RedisKeyspace.Difference(RedisKeyspace.ParseInfo(Info), RedisKeyspace.ParseInfo(Info)).Should().BeNull();
    }

    [Fact]
    public void Difference_AKeyWithATtlExpiredSince_IsNoDifference()
    {
        var loaded = RedisKeyspace.ParseInfo("db0:keys=9,expires=0,avg_ttl=0\r\ndb2:keys=2,expires=0,avg_ttl=0\r\n");

        RedisKeyspace.Difference(RedisKeyspace.ParseInfo(Info), loaded).Should().BeNull();
    }

    [Theory]
    [InlineData("db0:keys=9,expires=1\r\ndb2:keys=2,expires=0", "db0 has 9 keys (1 with a TTL), but 10 (1 with a TTL) were recorded at the backup")]
    [InlineData("db0:keys=10,expires=1", "db2 has 0 keys (0 with a TTL), but 2 (0 with a TTL) were recorded at the backup")]
    [InlineData("db0:keys=10,expires=1\r\ndb2:keys=2,expires=0\r\ndb5:keys=1,expires=0", "db5 has 1 keys (0 with a TTL), but 0 (0 with a TTL) were recorded at the backup")]
    public void Difference_KeysMissingOrExtra_NamesTheDatabase(string loaded, string difference)
    {
        RedisKeyspace.Difference(RedisKeyspace.ParseInfo(Info), RedisKeyspace.ParseInfo(loaded)).Should().Be(difference);
    }

    [Fact]
    public void ToDigest_ReadBackByFromDigest_GivesTheSameCounts()
    {
        var keyspace = RedisKeyspace.ParseInfo(Info);

        keyspace.ToDigest().Should().Be("keyspace:db0=10/1,db2=2/0");
        RedisKeyspace.FromDigest(keyspace.ToDigest()).Should().Be(keyspace);
        RedisKeyspace.FromDigest(RedisKeyspace.Empty.ToDigest()).Should().Be(RedisKeyspace.Empty);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("sha256:0d8a8e5b2c7f4e1a9b6c3d0e7f4a1b8c")]
    [InlineData("keyspace:db0=10")]
    [InlineData("keyspace:x0=1/0")]
    public void FromDigest_NotAKeyspaceRecord_IsNull(string? digest)
    {
        RedisKeyspace.FromDigest(digest).Should().BeNull();
    }
}
