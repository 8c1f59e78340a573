using System.Net;
using System.Net.Sockets;

namespace VolumeAgent.IntegrationTests.Fixtures;

/// <summary>Ports for the servers the tests start on 127.0.0.1.</summary>
internal static class TcpPorts
{
    /// <summary>A port nothing listens on right now (the kernel's pick; free until someone binds it).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
