namespace VolumeAgent.Control.Protocol;

/// <summary>Where a command handler sends its answer's events; posting never blocks.</summary>
internal interface IControlEvents
{
    void Post(ControlEvent controlEvent);
}
