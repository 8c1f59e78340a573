using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace VolumeAgent.Tests.Notifiers.Receivers;

/// <summary>One request a <see cref="HttpReceiver"/> took: its method, path and query, headers and body.</summary>
public sealed record ReceivedRequest(string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string Text => Encoding.UTF8.GetString(Body);
}

/// <summary>
/// A real HTTP server on 127.0.0.1 for notification tests (HttpListener on a free port): records every request and
/// answers each with the next status of <see cref="Answers"/> (then 200).
/// </summary>
public sealed class HttpReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<ReceivedRequest> _requests = new();
    private readonly SemaphoreSlim _arrived = new(0);
    private readonly Task _serving;

    public HttpReceiver()
    {
        Port = FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _serving = Task.Run(ServeAsync);
    }

    public int Port { get; }

    public string Url(string path) => $"http://127.0.0.1:{Port}{path}";

    /// <summary>Statuses to answer the next requests with, in order; 200 when empty.</summary>
    public ConcurrentQueue<int> Answers { get; } = new();

    public IReadOnlyList<ReceivedRequest> Requests => [.. _requests];

    /// <summary>Waits until <paramref name="count"/> requests have arrived in all.</summary>
    public async Task<IReadOnlyList<ReceivedRequest>> WaitForAsync(int count, TimeSpan bound)
    {
        using var timeout = new CancellationTokenSource(bound);
        while (_requests.Count < count)
        {
            await _arrived.WaitAsync(timeout.Token);
        }

        return Requests;
    }

    /// <summary>A port nothing listens on (taken from the system, then released).</summary>
    public static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _serving.Wait(TimeSpan.FromSeconds(5));
        _arrived.Dispose();
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            var headers = context.Request.Headers.AllKeys.Where(k => k is not null).ToDictionary(k => k!, k => context.Request.Headers[k]!, StringComparer.OrdinalIgnoreCase);
            context.Response.StatusCode = Answers.TryDequeue(out var status) ? status : 200;
            context.Response.Close();
            _requests.Enqueue(new ReceivedRequest(context.Request.HttpMethod, context.Request.Url!.PathAndQuery, headers, body.ToArray()));
            _arrived.Release();
        }
    }
}
