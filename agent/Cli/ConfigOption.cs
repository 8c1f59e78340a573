using System.CommandLine;
using VolumeAgent.Policy;

namespace VolumeAgent.Cli;

/// <summary>--config: the backup.yml to read; VOLUME_AGENT_CONFIG, else ./backup.yml.</summary>
internal static class ConfigOption
{
    public const string EnvironmentVariable = "VOLUME_AGENT_CONFIG";

    public static Option<string> Create() => new("--config", "-c")
    {
        Description = $"The backup.yml to read (default: ${EnvironmentVariable}, else ./backup.yml).",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } path ? path : "backup.yml",
    };

    public static BackupPolicy Load(string path) => PolicyLoader.LoadFile(path);
}
