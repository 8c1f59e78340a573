namespace VolumeAgent.Policy.Reading;

/// <summary>Finds the known word a misspelt key or name was most likely meant to be.</summary>
internal static class KeySuggestion
{
    public static string? Closest(string input, IEnumerable<string> candidates)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(candidates);
        var normalized = Normalize(input);
        string? best = null;
        var bestDistance = int.MaxValue;
        var bestPrefix = 0;
        foreach (var candidate in candidates)
        {
            // The distance is at least the difference in length: a far longer input (a pasted value, a
            // megabyte of key) is never close, and is not worth a table of its length times the candidate's.
            if (Math.Abs(input.Length - candidate.Length) > Tolerance(candidate.Length))
            {
                continue;
            }

            var other = Normalize(candidate);
            var distance = Distance(normalized, other);
            if (distance > Tolerance(candidate.Length))
            {
                continue;
            }

            // Slips are likelier at the end of a word than at its start: on a tie, the longer shared start wins.
            var prefix = CommonPrefixLength(normalized, other);
            if (distance < bestDistance || (distance == bestDistance && prefix > bestPrefix))
            {
                best = candidate;
                bestDistance = distance;
                bestPrefix = prefix;
            }
        }

        return best;
    }

    public static string DidYouMean(string input, IEnumerable<string> candidates) =>
        Closest(input, candidates) is { } suggestion ? $"; did you mean '{suggestion}'?" : string.Empty;

    private static int Tolerance(int length) => length switch
    {
        <= 3 => 1,
        <= 8 => 2,
        _ => 3,
    };

    // Case and '-' versus '_' are the commonest slips; they should not count as edits.
    private static string Normalize(string text) => text.ToUpperInvariant().Replace('-', '_');

    private static int CommonPrefixLength(string a, string b)
    {
        var length = 0;
        while (length < a.Length && length < b.Length && a[length] == b[length])
        {
            length++;
        }

        return length;
    }

    /// <summary>Optimal string alignment distance: Levenshtein plus adjacent transpositions as one edit.</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
