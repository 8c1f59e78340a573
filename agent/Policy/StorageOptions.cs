namespace VolumeAgent.Policy;

/// <summary>One entry under <c>storage</c>: where backup sets are written.</summary>
internal abstract record StorageOptions
{
    /// <summary>The key under <c>storage</c>, which jobs refer to.</summary>
    public required string Name { get; init; }

    /// <summary>The <c>type</c> value: <c>local</c> or <c>s3</c>.</summary>
    public abstract string Type { get; }
}
