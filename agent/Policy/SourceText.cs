namespace VolumeAgent.Policy;

/// <summary>Phrases shared by the sources' <c>Describe()</c>.</summary>
internal static class SourceText
{
    public static string Exclude(IReadOnlyList<string> exclude) =>
        exclude.Count == 0 ? string.Empty : " (exclude " + string.Join(", ", exclude) + ")";

    public static string Databases(IReadOnlyList<string> databases) =>
        databases.Count == 0 ? "all databases" : "databases: " + string.Join(", ", databases);

    public static string User(string? user) => user is null ? string.Empty : ", user " + user;
}
