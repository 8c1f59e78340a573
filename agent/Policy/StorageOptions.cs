namespace VolumeAgent.Policy;

/// <summary>One entry under <c>storage</c>: where backup sets are written.</summary>
internal abstract record StorageOptions
{
    /// <summary>The key under <c>storage</c>, which jobs refer to.</summary>
    public required string Name { get; init; }

    /// <summary>The <c>type</c> value, the name of a storage type in <c>Storage/StorageRegistry</c> (<c>local</c>, <c>s3</c>).</summary>
    public abstract string Type { get; }
}
