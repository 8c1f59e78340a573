namespace VolumeAgent.Storage;

/// <summary>One object of a set as listed: its name and the bytes it takes.</summary>
internal readonly record struct StoredObject(string Name, long Length);
