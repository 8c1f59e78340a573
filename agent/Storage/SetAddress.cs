namespace VolumeAgent.Storage;

/// <summary>Where a set is in a storage: its job and its name (<c>yyyyMMddTHHmmssZ-&lt;run id&gt;</c>), both already checked.</summary>
internal readonly record struct SetAddress(string Job, string Name)
{
    public override string ToString() => Job + "/" + Name;
}
