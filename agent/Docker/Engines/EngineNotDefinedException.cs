namespace VolumeAgent.Docker.Engines;

/// <summary>An engine is named (by a manifest, a journal or the command line) that neither the environment nor backup.yml defines.</summary>
internal sealed class EngineNotDefinedException : ArgumentException
{
    public EngineNotDefinedException(string name, IReadOnlyList<string> defined)
        : base($"Engine '{name}' is not defined: backup.yml's engines are {string.Join(", ", defined)}. Define it under the root 'engines' map (engines: {{ {name}: {{ host: ... }} }}), or name one of these.")
    {
        Engine = name;
    }

    public EngineNotDefinedException()
    {
        Engine = string.Empty;
    }

    public EngineNotDefinedException(string message)
        : base(message)
    {
        Engine = string.Empty;
    }

    public EngineNotDefinedException(string message, Exception innerException)
        : base(message, innerException)
    {
        Engine = string.Empty;
    }

    public string Engine { get; }
}
