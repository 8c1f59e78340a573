namespace VolumeAgent.Policy;

internal enum LogFormat
{
    Text,
    Json,
}
