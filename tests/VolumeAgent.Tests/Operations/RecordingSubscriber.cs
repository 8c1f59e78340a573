using System.Collections.Concurrent;
using VolumeAgent.Operations;

namespace VolumeAgent.Tests.Operations;

/// <summary>Keeps every event it is told, in order.</summary>
internal sealed class RecordingSubscriber : IRunSubscriber
{
    private readonly ConcurrentQueue<RunEvent> _events = new();

    public IReadOnlyList<RunEvent> Events => [.. _events];

    public IReadOnlyList<Type> Types => Events.Select(e => e.GetType()).ToList();

    public void OnEvent(RunEvent runEvent) => _events.Enqueue(runEvent);
}
