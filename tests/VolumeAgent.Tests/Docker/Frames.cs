using System.Buffers.Binary;

namespace VolumeAgent.Tests.Docker;

/// <summary>Builds multiplexed output as the engine frames it.</summary>
internal static class Frames
{
    public static byte[] Build(params (byte Kind, byte[] Payload)[] frames)
    {
        using var output = new MemoryStream();
        foreach (var (kind, payload) in frames)
        {
            var header = new byte[8];
            header[0] = kind;
            BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), (uint)payload.Length);
            output.Write(header);
            output.Write(payload);
        }

        return output.ToArray();
    }

    public static byte[] Bytes(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }
}
