namespace VolumeAgent.Sources.Postgres;

/// <summary>
/// Decides, line by line, which statements of <c>pg_dumpall --globals-only</c> output to run against a server
/// that already has some of the roles. Roles that exist are left exactly as they are: their CREATE ROLE would
/// fail, and their ALTER ROLE would overwrite the password and attributes the server runs with (the password
/// the target container's own configuration, and so the agent's next backup, depends on). Missing roles are
/// created with their saved attributes; memberships and tablespaces pass unchanged.
/// </summary>
internal sealed class GlobalsFilter
{
    private readonly IReadOnlySet<string> _existing;
    private readonly SortedSet<string> _skipped = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _created = new(StringComparer.Ordinal);

    public GlobalsFilter(IReadOnlySet<string> existingRoles)
    {
        ArgumentNullException.ThrowIfNull(existingRoles);
        _existing = existingRoles;
    }

    /// <summary>Existing roles whose statements were left out.</summary>
    public IReadOnlyCollection<string> SkippedRoles => _skipped;

    /// <summary>Roles the globals create.</summary>
    public IReadOnlyCollection<string> CreatedRoles => _created;

    /// <summary>True when the line is to be run.</summary>
    public bool Keep(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (RoleOf(line, "CREATE ROLE ") is { } created)
        {
            if (_existing.Contains(created))
            {
                _skipped.Add(created);
                return false;
            }

            _created.Add(created);
            return true;
        }

        if (RoleOf(line, "ALTER ROLE ") is { } altered && _existing.Contains(altered))
        {
            _skipped.Add(altered);
            return false;
        }

        return true;
    }

    /// <summary>The role a statement starting with <paramref name="prefix"/> names, unquoted; null for other lines.</summary>
    internal static string? RoleOf(string line, string prefix)
    {
        if (!line.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var rest = line.AsSpan(prefix.Length);
        if (rest.IsEmpty)
        {
            return null;
        }

        if (rest[0] != '"')
        {
            var end = rest.IndexOfAny(' ', ';');
            return end <= 0 ? null : rest[..end].ToString();
        }

        // A quoted identifier: "" stands for one quote inside.
        var name = new System.Text.StringBuilder();
        for (var i = 1; i < rest.Length; i++)
        {
            if (rest[i] != '"')
            {
                name.Append(rest[i]);
            }
            else if (i + 1 < rest.Length && rest[i + 1] == '"')
            {
                name.Append('"');
                i++;
            }
            else
            {
                return name.ToString();
            }
        }

        return null;
    }
}
