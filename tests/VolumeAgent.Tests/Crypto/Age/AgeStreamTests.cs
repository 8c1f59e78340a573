using System.Security.Cryptography;
using VolumeAgent.Crypto.Age;

namespace VolumeAgent.Tests.Crypto.Age;

public sealed class AgeStreamTests
{
    private const int Chunk = AgePayload.ChunkSize;
    private static readonly X25519Identity Identity = X25519Identity.Generate();

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(Chunk - 1, 1)]
    [InlineData(Chunk, 1)] // an exact multiple ends with a full final chunk, never an empty one
    [InlineData(Chunk + 1, 2)]
    [InlineData(2 * Chunk, 2)]
    [InlineData((3 * Chunk) + 5, 4)]
    public async Task Plaintext_comes_back_whole_with_one_tag_per_chunk(int size, int chunks)
    {
        var plain = RandomNumberGenerator.GetBytes(size);
        foreach (var piece in new[] { 1000, Chunk, int.MaxValue })
        {
            var sealedFile = await EncryptAsync(plain, [Identity.Recipient], piece);

            var headerLength = AgeHeader.FindEnd(sealedFile);
            (sealedFile.Length - headerLength - AgePayload.NonceSize).Should().Be(size + (chunks * 16), $"written in pieces of {piece}");
            (await DecryptAsync(sealedFile, [Identity])).Should().Equal(plain);
        }
    }

    [Fact]
    public async Task A_changed_byte_anywhere_in_the_payload_is_refused()
    {
        var sealedFile = await EncryptAsync(RandomNumberGenerator.GetBytes((2 * Chunk) + 10), [Identity.Recipient]);
        var start = AgeHeader.FindEnd(sealedFile) + AgePayload.NonceSize;
        foreach (var position in new[] { start - 1, start, start + Chunk + 20, sealedFile.Length - 1 })
        {
            var changed = (byte[])sealedFile.Clone();
            changed[position] ^= 1;

            var act = () => DecryptAsync(changed, [Identity]);

            await act.Should().ThrowAsync<AgeFormatException>($"byte {position} was changed");
        }
    }

    [Theory]
    [InlineData(2 * Chunk, 1)] // cut at a chunk boundary: the first chunk is not a final chunk
    [InlineData(2 * Chunk, 40)]
    [InlineData(10, 5)]
    public async Task A_cut_off_file_is_refused(int size, int cutChunks)
    {
        var sealedFile = await EncryptAsync(RandomNumberGenerator.GetBytes(size), [Identity.Recipient]);
        var keep = cutChunks == 1 ? AgeHeader.FindEnd(sealedFile) + AgePayload.NonceSize + AgePayload.SealedChunkSize : sealedFile.Length - cutChunks;

        var act = () => DecryptAsync(sealedFile[..keep], [Identity]);

        await act.Should().ThrowAsync<AgeFormatException>();
    }

    [Fact]
    public async Task A_full_chunk_followed_by_an_empty_final_chunk_is_refused()
    {
        // What a writer that sealed an empty last chunk after an exact multiple would produce.
        var sealedFile = await EncryptAsync(RandomNumberGenerator.GetBytes(Chunk), [Identity.Recipient]);

        var act = () => DecryptAsync([.. sealedFile, .. new byte[16]], [Identity]);

        await act.Should().ThrowAsync<AgeFormatException>();
    }

    [Fact]
    public async Task Another_identity_fails_with_no_identity_and_none_given_says_so()
    {
        var sealedFile = await EncryptAsync([1, 2, 3], [Identity.Recipient]);

        var wrong = () => DecryptAsync(sealedFile, [X25519Identity.Generate()]);
        var none = () => DecryptAsync(sealedFile, []);

        (await wrong.Should().ThrowAsync<AgeNoIdentityException>()).Which.Message.Should().Contain("none of the 1 identities");
        (await none.Should().ThrowAsync<AgeNoIdentityException>()).Which.Message.Should().Contain("no identity was given");
    }

    [Fact]
    public async Task Several_recipients_each_open_the_file()
    {
        var other = X25519Identity.Generate();
        var sealedFile = await EncryptAsync([9, 8, 7], [Identity.Recipient, other.Recipient]);

        (await DecryptAsync(sealedFile, [other])).Should().Equal(9, 8, 7);
        (await DecryptAsync(sealedFile, [X25519Identity.Generate(), Identity])).Should().Equal(9, 8, 7);
    }

    [Fact]
    public async Task A_passphrase_opens_its_file_and_another_does_not()
    {
        var sealedFile = await EncryptAsync(RandomNumberGenerator.GetBytes(Chunk + 3), [new ScryptRecipient("correct horse", workFactor: 10)]);

        (await DecryptAsync(sealedFile, [new ScryptRecipient("correct horse", 10)])).Should().HaveCount(Chunk + 3);
        var wrong = () => DecryptAsync(sealedFile, [new ScryptRecipient("battery staple", 10)]);
        (await wrong.Should().ThrowAsync<AgeNoIdentityException>()).Which.Message.Should().Contain("passphrase");
    }

    [Fact]
    public void A_passphrase_beside_another_recipient_is_refused()
    {
        var act = () => new AgeEncryptingStream(Stream.Null, [new ScryptRecipient("p", 10), Identity.Recipient]);

        act.Should().Throw<ArgumentException>();
    }

    [Fact]
    public async Task An_unfinished_file_is_refused_as_cut_off()
    {
        var output = new MemoryStream();
        await using (var age = new AgeEncryptingStream(output, [Identity.Recipient], leaveOpen: true))
        {
            await age.WriteAsync(new byte[Chunk + 100]);
        }

        var act = () => DecryptAsync(output.ToArray(), [Identity]);

        await act.Should().ThrowAsync<AgeFormatException>();
    }

    internal static async Task<byte[]> EncryptAsync(byte[] plain, IReadOnlyList<IAgeRecipient> recipients, int piece = int.MaxValue)
    {
        var output = new MemoryStream();
        await using (var age = new AgeEncryptingStream(output, recipients, leaveOpen: true))
        {
            for (var i = 0; i < plain.Length; i += piece)
            {
                await age.WriteAsync(plain.AsMemory(i, Math.Min(piece, plain.Length - i)));
            }

            await age.CompleteAsync(CancellationToken.None);
        }

        return output.ToArray();
    }

    internal static async Task<byte[]> DecryptAsync(byte[] sealedFile, IReadOnlyList<IAgeIdentity> identities)
    {
        await using var age = await AgeDecryptingStream.OpenAsync(new MemoryStream(sealedFile), identities, CancellationToken.None);
        var plain = new MemoryStream();
        await age.CopyToAsync(plain);
        return plain.ToArray();
    }
}
