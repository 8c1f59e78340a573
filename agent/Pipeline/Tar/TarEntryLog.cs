using System.Security.Cryptography;

namespace VolumeAgent.Pipeline.Tar;

/// <summary>
/// What the parser records about the entries it reads: one <see cref="TarEntryInfo"/> per kept entry, with the
/// SHA-256 of a regular file's content hashed as it passes, the number of excluded entries, and the hard links
/// dropped because their target was excluded.
/// </summary>
internal sealed class TarEntryLog : IDisposable
{
    private readonly IncrementalHash _contentHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly List<TarEntryInfo> _entries = [];
    private readonly List<string> _orphanedHardLinks = [];
    private bool _hashContent;

    /// <summary>Kept entries in archive order.</summary>
    public IReadOnlyList<TarEntryInfo> Entries => _entries;

    public int ExcludedCount { get; private set; }

    /// <summary>Hard links dropped because their target was excluded (the link alone could not be extracted).</summary>
    public IReadOnlyList<string> OrphanedHardLinks => _orphanedHardLinks;

    /// <summary>The kept entry being read; null between entries and while an excluded one passes.</summary>
    public TarEntryInfo? Current { get; private set; }

    /// <summary>A kept entry starts; a regular file's content is hashed until <see cref="Finish"/>.</summary>
    public void Start(TarEntryInfo entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        Current = entry;
        _hashContent = entry.Type == TarEntryType.File;
    }

    /// <summary>An entry is dropped; <paramref name="orphanedHardLink"/> when it is a hard link to an excluded entry.</summary>
    public void Exclude(string path, bool orphanedHardLink)
    {
        if (orphanedHardLink)
        {
            _orphanedHardLinks.Add(path);
        }

        ExcludedCount++;
        Current = null;
        _hashContent = false;
    }

    public void AppendContent(ReadOnlySpan<byte> content)
    {
        if (_hashContent)
        {
            _contentHash.AppendData(content);
        }
    }

    /// <summary>The entry's content has passed: a kept entry is recorded with its content hash.</summary>
    public void Finish()
    {
        if (Current is { } entry)
        {
            if (_hashContent)
            {
                entry = entry with { ContentSha256 = ContentDigest.TakeFrom(_contentHash) };
            }

            _entries.Add(entry);
        }

        Current = null;
        _hashContent = false;
    }

    public void Dispose() => _contentHash.Dispose();
}
