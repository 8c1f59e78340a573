using VolumeAgent.Policy;
using VolumeAgent.Policy.Reading;

namespace VolumeAgent.Storage;

/// <summary>
/// One storage type (<c>type:</c> under <c>storage</c>): how backup.yml describes it and how to reach its bytes.
/// Registered once in <see cref="StorageRegistry"/>; nothing else names the type.
/// </summary>
internal interface IStorageProvider
{
    /// <summary>The <c>type</c> value, e.g. <c>local</c>.</summary>
    string TypeName { get; }

    /// <summary>Every key a storage of this type may have, <c>type</c> included.</summary>
    IReadOnlyList<string> Keys { get; }

    /// <summary>
    /// False for a type backup.yml describes but this version of the agent cannot write yet: <c>validate</c> refuses
    /// it and <see cref="Open"/> throws <see cref="NotSupportedException"/>.
    /// </summary>
    bool IsAvailable { get; }

    /// <summary>Reads the storage's keys besides <c>type</c>, reporting every problem to <paramref name="reader"/>; null when it is not usable.</summary>
    StorageOptions? Read(NodeReader reader, string name, MapNode map);

    /// <summary>One line for <c>validate</c>'s summary, e.g. <c>local directory /backups</c>.</summary>
    string Describe(StorageOptions options);

    /// <summary>Why the storage cannot take sets as things are now (e.g. its directory is missing), or null. Changes nothing.</summary>
    string? FindProblem(StorageOptions options);

    /// <summary>The storage's byte operations.</summary>
    /// <exception cref="NotSupportedException">The type is not <see cref="IsAvailable"/>.</exception>
    IObjectStore Open(StorageOptions options);
}
