using System.Runtime.Versioning;

// The agent runs beside a Linux Docker engine: unix sockets, file modes and signals are its ground.
[assembly: SupportedOSPlatform("linux")]
