using System.Globalization;

namespace VolumeAgent.Policy.Reading;

/// <summary>Builds the key paths problems are reported under, e.g. <c>jobs.nightly.sources[2].databases</c>.</summary>
internal static class PolicyPath
{
    public static string Key(string parent, string key) => parent.Length == 0 ? key : parent + "." + key;

    public static string Item(string parent, int index) => parent + "[" + index.ToString(CultureInfo.InvariantCulture) + "]";
}
