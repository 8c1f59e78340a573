namespace VolumeAgent.Operations;

/// <summary>
/// A short label a run is asked with (the HTTP API's <c>{"tag": "gallery-42"}</c>): it lands in the manifest, in
/// <c>list</c> and in the run's events. At most <see cref="MaxLength"/> characters of letters, digits, '.', '_' and '-'.
/// </summary>
internal static class RunTag
{
    public const int MaxLength = 64;

    public const string Rule = "1 to 64 characters of letters, digits, '.', '_' and '-'";

    /// <summary>Why <paramref name="tag"/> is not a tag, in words for the one who sent it; null when it is one.</summary>
    public static string? Problem(string? tag)
    {
        if (string.IsNullOrEmpty(tag))
        {
            return $"The tag is empty; a tag is {Rule}, e.g. gallery-42.";
        }

        if (tag.Length > MaxLength || !tag.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
        {
            return $"'{(tag.Length > MaxLength ? tag[..MaxLength] + "…" : tag)}' is not a tag; a tag is {Rule}, e.g. gallery-42.";
        }

        return null;
    }
}
