using System.Globalization;
using System.Text;
using VolumeAgent.Storage;

namespace VolumeAgent.Manifest.Sets;

/// <summary>A set's SHA256SUMS as <c>sha256sum</c> writes it: "HASH  NAME" per line ("HASH *NAME" in binary mode).</summary>
internal sealed class ChecksumsFile
{
    /// <summary>Far beyond any real set's SHA256SUMS; a bigger file is not one.</summary>
    public const int MaxBytes = 1024 * 1024;

    private readonly Dictionary<string, string> _hashes;

    private ChecksumsFile(Dictionary<string, string> hashes, IReadOnlyList<string> problems)
    {
        _hashes = hashes;
        Problems = problems;
    }

    public IReadOnlyCollection<string> FileNames => _hashes.Keys;

    /// <summary>Lines that are not checksum lines; each one names its line number.</summary>
    public IReadOnlyList<string> Problems { get; }

    public string? HashOf(string fileName) => _hashes.GetValueOrDefault(fileName);

    /// <summary>SHA256SUMS for the given files, one "HASH  NAME" line each in the order given, as <c>sha256sum -c</c> reads it.</summary>
    public static byte[] Format(IEnumerable<(string Name, string Sha256)> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var sums = new StringBuilder();
        foreach (var (name, sha256) in files)
        {
            sums.Append(CultureInfo.InvariantCulture, $"{sha256}  {name}\n");
        }

        return Encoding.UTF8.GetBytes(sums.ToString());
    }

    public static ChecksumsFile Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        var problems = new List<string>();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (line.Length == 0)
            {
                continue;
            }

            if (line.Length < 67 || !IsLowerOrUpperHex(line.AsSpan(0, 64)) || line[64] != ' ' || line[65] is not (' ' or '*'))
            {
                problems.Add($"{BackupSetLayout.ChecksumsFileName} line {i + 1} is not '<sha256>  <file>': '{Shorten(line)}'");
                continue;
            }

            var name = line[66..];
            if (!hashes.TryAdd(name, line[..64].ToLowerInvariant()))
            {
                problems.Add($"{BackupSetLayout.ChecksumsFileName} lists '{name}' twice (line {i + 1})");
            }
        }

        return new ChecksumsFile(hashes, problems);
    }

    /// <summary>Reads SHA256SUMS of a set; null when the set has none.</summary>
    public static async Task<ChecksumsFile?> ReadAsync(IBackupStore store, BackupSetInfo set, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(set);
        Stream stream;
        try
        {
            stream = await store.OpenChecksumsReadAsync(set, cancellationToken);
        }
        catch (FileNotFoundException)
        {
            return null;
        }

        await using (stream)
        {
            using var reader = new StreamReader(stream, Encoding.UTF8);
            var buffer = new char[MaxBytes + 1];
            var length = await reader.ReadBlockAsync(buffer, cancellationToken);
            if (length > MaxBytes)
            {
                throw new InvalidDataException($"{BackupSetLayout.ChecksumsFileName} of {set.Job}/{set.DirectoryName} is larger than {MaxBytes} bytes; it is not a checksum file.");
            }

            return Parse(new string(buffer, 0, length));
        }
    }

    private static bool IsLowerOrUpperHex(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private static string Shorten(string line) => line.Length <= 80 ? line : line[..80] + "…";
}
