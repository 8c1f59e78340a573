using VolumeAgent.Manifest.Sets;

namespace VolumeAgent.Storage.Local;

/// <summary>Replaces a small file so that a reader sees the old content or the new, never a torn mix.</summary>
internal static class AtomicFile
{
    /// <summary>Writes <c>.&lt;name&gt;.partial</c>, fsyncs it, renames it over the target and fsyncs the directory.</summary>
    public static async Task WriteAsync(string directory, string fileName, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var temporary = Path.Combine(directory, BackupSetLayout.PartialNameFor(fileName));
        var target = Path.Combine(directory, fileName);
        var options = LocalFileSystem.NewFileOptions();

        // A crash during an earlier write may have left the temporary file; it is ours to replace.
        options.Mode = FileMode.Create;
        try
        {
            var file = new FileStream(temporary, options);
            await using (file)
            {
                await file.WriteAsync(content, cancellationToken);
                await file.FlushAsync(cancellationToken);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, target, overwrite: true);
            LocalFileSystem.FsyncDirectory(directory);
        }
        catch (Exception ex)
        {
            LocalFileSystem.DeleteFileIfExists(temporary);
            if (LocalFileSystem.Translate(ex, target) is { } translated)
            {
                throw translated;
            }

            throw;
        }
    }
}
