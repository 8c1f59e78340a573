namespace VolumeAgent.Retention;

/// <summary>What the storage listing says about one backup set.</summary>
internal enum RetentionSetState
{
    /// <summary>The manifest is present and says the run succeeded.</summary>
    Succeeded,

    /// <summary>The manifest is present and says the run failed.</summary>
    Failed,

    /// <summary>No manifest, or one that cannot be read: a run that died or is still writing.</summary>
    Incomplete,
}
