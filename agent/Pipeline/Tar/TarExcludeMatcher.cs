namespace VolumeAgent.Pipeline.Tar;

/// <summary>
/// Exclude patterns over archive paths (relative to the archive root, without "./"):
/// <list type="bullet">
/// <item><c>*</c> matches within one path segment, <c>?</c> one character, <c>[a-z]</c>/<c>[!a-z]</c> a class, <c>\</c> escapes.</item>
/// <item><c>**</c> as a whole segment matches any number of segments; at the end (<c>logs/**</c>) it needs at
/// least one, so the directory itself stays and only its contents go, as in .gitignore.</item>
/// <item>A pattern without "/" (<c>*.tmp</c>, <c>cache/</c>) matches a name at any depth; one with a "/" before its
/// end is anchored at the root (<c>/cache</c>, <c>./cache</c> and <c>a/cache</c> all are).</item>
/// <item>A path is excluded when the pattern matches it or any directory above it: <c>cache</c> drops the
/// directory and everything in it, <c>cache/*</c> everything in it but the (then empty) directory.</item>
/// </list>
/// </summary>
internal sealed class TarExcludeMatcher
{
    private const string AnySegments = "**";

    private readonly string[][] _patterns;

    public TarExcludeMatcher(IEnumerable<string> patterns)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        _patterns = patterns.Select(Compile).ToArray();
    }

    public static TarExcludeMatcher None { get; } = new([]);

    public bool IsEmpty => _patterns.Length == 0;

    /// <summary>
    /// The canonical form of an archive path: no leading "/" or "./", no trailing "/", no empty or "." segments
    /// ("a//b", "a/./b" and "./a/b/" are all "a/b"), and "." for the root. ".." segments are kept as they are:
    /// resolving them would hide a name that climbs out of the archive, which callers must see and refuse.
    /// </summary>
    public static string NormalizePath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (IsCanonical(path))
        {
            return path;
        }

        var canonical = string.Join('/', path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(segment => segment != "."));
        return canonical.Length == 0 ? "." : canonical;
    }

    public bool IsExcluded(string normalizedPath)
    {
        ArgumentNullException.ThrowIfNull(normalizedPath);
        if (_patterns.Length == 0 || normalizedPath == ".")
        {
            return false;
        }

        var segments = normalizedPath.Split('/');
        foreach (var pattern in _patterns)
        {
            for (var depth = 1; depth <= segments.Length; depth++)
            {
                if (MatchSegments(pattern, 0, segments.AsSpan(0, depth)))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>True when every segment is neither empty nor "." (the common case, kept without allocating).</summary>
    private static bool IsCanonical(string path)
    {
        var start = 0;
        for (var i = 0; i <= path.Length; i++)
        {
            if (i < path.Length && path[i] != '/')
            {
                continue;
            }

            var length = i - start;
            if (length == 0 || (length == 1 && path[start] == '.'))
            {
                return false;
            }

            start = i + 1;
        }

        return true;
    }

    private static string[] Compile(string pattern)
    {
        if (string.IsNullOrWhiteSpace(pattern))
        {
            throw new ArgumentException("An exclude pattern must not be empty.", nameof(pattern));
        }

        var trimmed = pattern.Trim();
        var normalized = NormalizePath(trimmed);
        if (normalized == ".")
        {
            throw new ArgumentException($"The exclude pattern '{pattern}' would exclude the whole archive.", nameof(pattern));
        }

        var segments = normalized.Split('/', StringSplitOptions.RemoveEmptyEntries);
        // Any "/" but a trailing one anchors the pattern at the root ("/cache", "./cache", "a/b").
        var anchored = trimmed.TrimEnd('/').Contains('/', StringComparison.Ordinal);
        return anchored ? segments : [AnySegments, .. segments];
    }

    private static bool MatchSegments(string[] pattern, int patternIndex, ReadOnlySpan<string> path)
    {
        while (patternIndex < pattern.Length)
        {
            if (pattern[patternIndex] == AnySegments)
            {
                var isLast = patternIndex == pattern.Length - 1;
                if (isLast)
                {
                    return !path.IsEmpty;
                }

                for (var skip = 0; skip <= path.Length; skip++)
                {
                    if (MatchSegments(pattern, patternIndex + 1, path[skip..]))
                    {
                        return true;
                    }
                }

                return false;
            }

            if (path.IsEmpty || !GlobMatch(pattern[patternIndex], path[0]))
            {
                return false;
            }

            patternIndex++;
            path = path[1..];
        }

        return path.IsEmpty;
    }

    /// <summary>Matches one segment; "*" never crosses "/" because segments hold none.</summary>
    private static bool GlobMatch(ReadOnlySpan<char> pattern, ReadOnlySpan<char> text)
    {
        // Iterative matching with one backtrack point for the last "*": linear in practice.
        int p = 0, t = 0, starP = -1, starT = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                starP = p++;
                starT = t;
                continue;
            }

            if (p < pattern.Length && MatchOne(pattern, ref p, text[t]))
            {
                t++;
                continue;
            }

            if (starP < 0)
            {
                return false;
            }

            p = starP + 1;
            t = ++starT;
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }

    /// <summary>Matches one pattern element at <paramref name="p"/> against <paramref name="c"/>, advancing past it on success.</summary>
    private static bool MatchOne(ReadOnlySpan<char> pattern, ref int p, char c)
    {
        switch (pattern[p])
        {
            case '?':
                p++;
                return true;
            case '\\' when p + 1 < pattern.Length:
                if (pattern[p + 1] == c)
                {
                    p += 2;
                    return true;
                }

                return false;
            case '[':
                var end = p + 1;
                if (end < pattern.Length && pattern[end] is '!' or '^')
                {
                    end++;
                }

                if (end < pattern.Length && pattern[end] == ']')
                {
                    end++;
                }

                while (end < pattern.Length && pattern[end] != ']')
                {
                    end++;
                }

                if (end >= pattern.Length)
                {
                    // No closing bracket: a literal "[".
                    if (c == '[')
                    {
                        p++;
                        return true;
                    }

                    return false;
                }

                if (MatchClass(pattern[(p + 1)..end], c))
                {
                    p = end + 1;
                    return true;
                }

                return false;
            default:
                if (pattern[p] == c)
                {
                    p++;
                    return true;
                }

                return false;
        }
    }

    private static bool MatchClass(ReadOnlySpan<char> body, char c)
    {
        var negate = body.Length > 0 && body[0] is '!' or '^';
        if (negate)
        {
            body = body[1..];
        }

        var found = false;
        for (var i = 0; i < body.Length; i++)
        {
            if (i + 2 < body.Length && body[i + 1] == '-')
            {
                if (c >= body[i] && c <= body[i + 2])
                {
                    found = true;
                }

                i += 2;
            }
            else if (body[i] == c)
            {
                found = true;
            }
        }

        return found != negate;
    }
}
