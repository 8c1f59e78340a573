using System.Text;
using VolumeAgent.Pipeline.Tar;
using VolumeAgent.Restore;
using VolumeAgent.Tests.Pipeline.Tar;
using VolumeAgent.Sources.Shared.Archives;

namespace VolumeAgent.Tests.Restore;

/// <summary>The guard on the stream into tar: an unsafe entry never reaches the reader, not even its header.</summary>
public sealed class InFlowGuardTests
{
    [Fact]
    public async Task TarFilterStream_WithTheGuard_StopsBeforeAnyByteOfTheUnsafeEntry()
    {
        var archive = new RawTarBuilder()
            .Entry('5', "./")
            .Entry('0', "./fine.txt", new byte[300_000])
            .Entry('0', "../escape-marker", Encoding.UTF8.GetBytes("payload"))
            .Finish();
        using var output = new MemoryStream();
        await using var filter = new TarFilterStream(new MemoryStream(archive), TarExcludeMatcher.None, leaveOpen: false, new EntryNameGuard().Check);

        var act = async () =>
        {
            var buffer = new byte[4096];
            int read;
            while ((read = await filter.ReadAsync(buffer)) > 0)
            {
                output.Write(buffer, 0, read);
            }
        };

        await act.Should().ThrowAsync<UnsafeEntryException>().WithMessage("*'../escape-marker'*");
        Encoding.UTF8.GetString(output.ToArray()).Should().NotContain("escape-marker").And.NotContain("payload");
    }
}
