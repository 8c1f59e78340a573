using System.Buffers.Binary;
using System.Text;
using VolumeAgent.Sources.Redis;

namespace VolumeAgent.Tests.Sources.Redis;

/// <summary>The streaming RDB check against real snapshots of Redis 7.0, whole, split anywhere, and damaged.</summary>
public sealed class RdbCheckTests
{
    /// <summary>The mixed sample without redis-cli's end-of-transfer mark: the RDB file as Redis wrote it.</summary>
    internal static byte[] MixedFile => RdbSamples.MixedDiskless[..^RdbSnapshotStream.EofMarkLength];

    [Fact]
    public void Crc64_OfTheStandardCheckString_IsRedisCheckValue()
    {
        RedisCrc64.Update(0, "123456789"u8).Should().Be(0xe9c6d914c4b8d9ca);
    }

    [Fact]
    public void Crc64_EightBytesAtATime_EqualsByteByByte()
    {
        var data = new byte[1000];
        new Random(12).NextBytes(data);
        var bytewise = 0UL;
        foreach (var b in data)
        {
            bytewise = RedisCrc64.Update(bytewise, [b]);
        }

        RedisCrc64.Update(0, data).Should().Be(bytewise);
    }

    [Fact]
    public void Complete_ARealSnapshot_IsSoundWithItsVersionAndChecksum()
    {
        var verdict = Check(MixedFile);

        verdict.Problem.Should().BeNull();
        verdict.Version.Should().Be(10);
        verdict.Checksummed.Should().BeTrue();
        Check(RdbSamples.OneKeyDiskBased).IsSound.Should().BeTrue();
    }

    [Fact]
    public void Complete_FedInTwoPiecesSplitAnywhere_GivesTheSameVerdict()
    {
        var file = MixedFile;
        for (var split = 0; split <= file.Length; split++)
        {
            var check = new RdbCheck();
            check.Feed(file.AsSpan(0, split));
            check.Feed(file.AsSpan(split));
            check.Complete().IsSound.Should().BeTrue($"split at {split}");
        }
    }

    [Fact]
    public void Complete_FedByteByByte_IsSound()
    {
        var check = new RdbCheck();
        foreach (var b in MixedFile)
        {
            check.Feed([b]);
        }

        check.Complete().IsSound.Should().BeTrue();
        check.Bytes.Should().Be(MixedFile.Length);
    }

    [Fact]
    public void Complete_OneByteChangedInTheMiddle_NamesTheChecksum()
    {
        var file = MixedFile;
        file[file.Length / 2] ^= 0x01;

        Check(file).Problem.Should().StartWith("its CRC-64 is ").And.EndWith("so the snapshot is damaged.");
    }

    [Fact]
    public void Complete_CutOffAnywhere_IsUnsound()
    {
        var file = MixedFile;
        for (var length = 1; length < file.Length; length++)
        {
            Check(file[..length]).IsSound.Should().BeFalse($"cut after {length} bytes");
        }
    }

    [Fact]
    public void Complete_CutBeforeTheEndMarker_SaysSo()
    {
        Check(MixedFile[..^9]).Problem.Should().Be("it does not end with the end-of-file marker (0xFF) and a checksum, so the snapshot is cut off or damaged.");
    }

    [Fact]
    public void Complete_ChecksumZero_IsAcceptedUnchecked()
    {
        var file = MixedFile;
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(file.Length - 8), 0);

        var verdict = Check(file);

        verdict.IsSound.Should().BeTrue();
        verdict.Checksummed.Should().BeFalse();
    }

    [Theory]
    [InlineData("", "it is empty, so it is not an RDB snapshot.")]
    [InlineData("-- PostgreSQL database dump complete\n", "it does not start with REDIS, so it is not an RDB snapshot.")]
    [InlineData("REDISxyz0\u00ff12345678", "its header has no four-digit RDB version after REDIS, so it is not an RDB snapshot.")]
    [InlineData("REDIS0010", "it ends after 9 bytes, before the end-of-file marker and checksum, so the snapshot is cut off.")]
    public void Complete_NotAnRdbFile_SaysWhy(string content, string problem)
    {
        Check(Encoding.Latin1.GetBytes(content)).Problem.Should().Be(problem);
    }

    [Fact]
    public void Clone_JudgedAlone_LeavesTheOriginalUntouched()
    {
        var check = new RdbCheck();
        check.Feed(MixedFile.AsSpan(0, 100));
        var clone = check.Clone();
        clone.Feed(MixedFile.AsSpan(100));

        clone.Complete().IsSound.Should().BeTrue();
        check.Bytes.Should().Be(100);
        check.Feed(MixedFile.AsSpan(100));
        check.Complete().IsSound.Should().BeTrue();
    }

    private static RdbVerdict Check(byte[] content)
    {
        var check = new RdbCheck();
        check.Feed(content);
        return check.Complete();
    }
}
