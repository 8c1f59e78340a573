namespace VolumeAgent.Control.Protocol;

/// <summary>Serves one request of the control socket.</summary>
internal interface IControlHandler
{
    /// <summary>
    /// Does the command, posting its events; returns the exit code the client ends with. The token is cancelled
    /// when the client disconnects or the daemon stops.
    /// </summary>
    Task<int> HandleAsync(ControlRequest request, IControlEvents events, CancellationToken cancellationToken);
}
