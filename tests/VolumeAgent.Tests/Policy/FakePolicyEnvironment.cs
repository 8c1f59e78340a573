using VolumeAgent.Policy;
using VolumeAgent.Policy.Reading;

namespace VolumeAgent.Tests.Policy;

/// <summary>A policy environment backed by dictionaries; a missing file throws like the real file system does.</summary>
internal static class FakePolicyEnvironment
{
    public static PolicyEnvironment Create(
        IReadOnlyDictionary<string, string>? variables = null,
        IReadOnlyDictionary<string, string>? files = null)
    {
        variables ??= new Dictionary<string, string>();
        files ??= new Dictionary<string, string>();
        return new PolicyEnvironment
        {
            GetVariable = name => variables.TryGetValue(name, out var value) ? value : null,
            ReadFile = path => files.TryGetValue(path, out var content)
                ? content
                : throw new FileNotFoundException($"Could not find file '{path}'.", path),
        };
    }

    public static PolicyEnvironment Empty() => Create();
}
