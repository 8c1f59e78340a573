namespace VolumeAgent.Manifest.Sets;

internal enum BackupSetState
{
    /// <summary>manifest.json is present and valid.</summary>
    Complete,

    /// <summary>No manifest.json: the run is still going, crashed, or a delete was interrupted.</summary>
    Incomplete,

    /// <summary>manifest.json is present but cannot be read or is not valid; see the set's problem.</summary>
    Corrupt,
}
