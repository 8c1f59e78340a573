using Renci.SshNet.Sftp;
using VolumeAgent.IO;

namespace VolumeAgent.Storage.Sftp;

/// <summary>An object being read from the server; holds the connection until disposed.</summary>
internal sealed class SftpReadStream(SftpFileStream file, SftpConnection.Lease lease) : ReadOnlyStream
{
    public override int Read(Span<byte> buffer) => file.Read(buffer);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        file.ReadAsync(buffer, cancellationToken);

    public override async ValueTask DisposeAsync()
    {
        try
        {
            await file.DisposeAsync();
        }
        finally
        {
            lease.Dispose();
        }

        await base.DisposeAsync();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            try
            {
                file.Dispose();
            }
            finally
            {
                lease.Dispose();
            }
        }

        base.Dispose(disposing);
    }
}
