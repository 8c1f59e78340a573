namespace VolumeAgent.Sources.Shared.Databases;

/// <summary>Whether a database exists in a server, and how many objects (tables, views, functions…) it holds.</summary>
internal sealed record DatabaseState(bool Exists, long Objects)
{
    public static readonly DatabaseState Missing = new(false, 0);

    public bool IsEmpty => Objects == 0;

    public string Describe(string database) => !Exists
        ? $"database '{database}' does not exist and will be created"
        : IsEmpty ? $"database '{database}' exists and is empty" : $"database '{database}' exists and holds {Objects} object(s)";
}
