namespace VolumeAgent.Operations;

/// <summary>
/// Listens to runs and verifications: the console of an in-process command, the daemon's status book, the
/// control socket's forwarding, and any notifier or metrics exporter (registered in <see cref="RunSubscribers"/>).
/// </summary>
internal interface IRunSubscriber
{
    /// <summary>
    /// Called for every event, one at a time and in order, on the run's own flow: it must return promptly and never
    /// block on the network (queue slow work and do it elsewhere), or the run waits for it.
    /// </summary>
    void OnEvent(RunEvent runEvent);
}
