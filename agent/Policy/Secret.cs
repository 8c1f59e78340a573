namespace VolumeAgent.Policy;

/// <summary>
/// A credential read from backup.yml, the environment or a secret file. Printing it never shows the value,
/// so options can be logged or formatted without leaking it.
/// </summary>
internal sealed class Secret
{
    private readonly string value;

    public Secret(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        this.value = value;
    }

    public string Reveal() => value;

    public override string ToString() => "***";
}
