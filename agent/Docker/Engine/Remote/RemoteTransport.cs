using Docker.DotNet.Handler.Abstractions;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Client;

namespace VolumeAgent.Docker.Engine.Remote;

/// <summary>
/// The library's transport over connections the agent opens: its legacy HTTP handler (<see cref="ManagedHandler"/>, the
/// one whose answers can be hijacked for an exec's stdin/stdout) over <see cref="TlsConnector"/>'s, <see cref="SshConnector"/>'s
/// or a unix socket's (<see cref="UnixSocketStream"/>) instead of its own sockets. The library's calls, models and stream demultiplexing stay
/// the library's (but an exec's start and output: <see cref="ExecStart"/>); only the connection is ours (see <see cref="TlsConnector"/> for why).
/// </summary>
internal sealed class RemoteTransport : IDockerHandlerFactory<RemoteTransport.Options>
{
    public static readonly RemoteTransport Instance = new();

    private RemoteTransport()
    {
    }

    public ResolvedTransport CreateHandler(ResolvedClientOptions clientOptions, ILogger logger) =>
        throw new InvalidOperationException("The remote transport needs its connector: build the client with RemoteTransport.Options.");

    public ResolvedTransport CreateHandler(Options transportOptions, ResolvedClientOptions clientOptions, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(transportOptions);
        ArgumentNullException.ThrowIfNull(clientOptions);
        var open = transportOptions.Open;

        // The connection is already what DOCKER_HOST says (TLS or ssh): the handler speaks plain HTTP over it, to no proxy.
        var handler = new ManagedHandler((_, _, cancellationToken) => open(cancellationToken), logger) { UseProxy = false };
        return new ResolvedTransport(handler, transportOptions.RequestUri);
    }

    public Task<WriteClosableStream> HijackStreamAsync(HttpContent content) =>
        Task.FromResult((content as HttpConnectionResponseContent ?? throw new NotSupportedException("This answer cannot be hijacked.")).HijackStream());

    /// <summary>How to open one connection, and the URI requests name (its host goes in the Host header only).</summary>
    internal sealed record Options(Func<CancellationToken, Task<Stream>> Open, Uri RequestUri);
}
