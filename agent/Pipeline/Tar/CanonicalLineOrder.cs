namespace VolumeAgent.Pipeline.Tar;

/// <summary>
/// Orders entries exactly as <see cref="string.CompareOrdinal(string, string)"/> orders their canonical lines
/// (<see cref="TarEntryInfo.ToCanonicalLine"/>), without making them: the escaped paths are compared character by
/// character up to the tab that ends them (a path's own tab is escaped, so it cannot end one early); only entries of
/// the same path, which an archive rarely holds twice, compare their whole lines.
/// </summary>
internal sealed class CanonicalLineOrder : IComparer<TarEntryInfo>
{
    public static readonly CanonicalLineOrder Instance = new();

    public int Compare(TarEntryInfo? x, TarEntryInfo? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        if (x is null || y is null)
        {
            return x is null ? -1 : 1;
        }

        var a = new EscapedPath(x.Path);
        var b = new EscapedPath(y.Path);
        while (true)
        {
            var ca = a.Next();
            var cb = b.Next();
            if (ca != cb)
            {
                return ca < cb ? -1 : 1;
            }

            if (ca == '\t')
            {
                return Math.Sign(string.CompareOrdinal(x.ToCanonicalLine(), y.ToCanonicalLine()));
            }
        }
    }

    /// <summary>A path's characters as the canonical line writes them (see TarEntryInfo's escaping), then its tab.</summary>
    private struct EscapedPath(string value)
    {
        private int _index;
        private int _escapePosition;
        private char _escaped;

        public char Next()
        {
            if (_escapePosition > 0)
            {
                var c = _escaped == '\\' ? '\\' : _escapePosition switch
                {
                    1 => 'x',
                    2 => Hex(_escaped >> 4),
                    _ => Hex(_escaped & 0xf),
                };
                _escapePosition = ++_escapePosition == (_escaped == '\\' ? 2 : 4) ? 0 : _escapePosition;
                return c;
            }

            if (_index >= value.Length)
            {
                return '\t';
            }

            var next = value[_index++];
            if (next == '\\' || next < 0x20 || next == 0x7f)
            {
                _escaped = next;
                _escapePosition = 1;
                return '\\';
            }

            return next;
        }

        private static char Hex(int digit) => (char)(digit < 10 ? '0' + digit : 'a' + digit - 10);
    }
}
