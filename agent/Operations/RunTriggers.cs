using VolumeAgent.Storage;
using VolumeAgent.Manifest;

namespace VolumeAgent.Operations;

/// <summary>How a run's trigger is written for people and in status.json.</summary>
internal static class RunTriggers
{
    public static string Text(ManifestTrigger trigger) => trigger switch
    {
        ManifestTrigger.Schedule => "schedule",
        ManifestTrigger.Manual => "manual",
        ManifestTrigger.Drill => "drill",
        ManifestTrigger.PreRestore => "pre-restore",
        _ => "unknown",
    };
}
