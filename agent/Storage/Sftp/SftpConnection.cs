using Renci.SshNet;
using Renci.SshNet.Common;

namespace VolumeAgent.Storage.Sftp;

/// <summary>
/// One SSH connection to the storage's server, opened on first use and shared by every operation (SFTP requests are
/// multiplexed). Before logging in, the server's host key must be one the known_hosts file pins; otherwise nothing is
/// sent. The connection is closed once no operation has used it for <see cref="IdleTimeout"/>, and opened again when
/// one needs it, so a daemon holds no connection between runs.
/// </summary>
internal sealed class SftpConnection : IDisposable
{
    /// <summary>How long an unused connection stays open.</summary>
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(30);

    /// <summary>How long connecting (TCP and key exchange) and each SFTP request may take.</summary>
    public static readonly TimeSpan OperationTimeout = TimeSpan.FromMinutes(2);

    private readonly SftpStorageOptions _options;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private readonly Lock _gate = new();
    private SftpClient? _client;
    private int _leases;
    private ITimer? _idle;

    public SftpConnection(SftpStorageOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
    }

    /// <summary>A connected client, held until the lease is disposed.</summary>
    /// <exception cref="StorageException">The server cannot be reached, is not trusted, or refused the login.</exception>
    public async Task<Lease> AcquireAsync(CancellationToken cancellationToken)
    {
        await _connecting.WaitAsync(cancellationToken);
        try
        {
            SftpClient? stale = null;
            lock (_gate)
            {
                _idle?.Dispose();
                _idle = null;
                if (_client is { IsConnected: true } connected)
                {
                    _leases++;
                    return new Lease(this, connected);
                }

                stale = _client;
                _client = null;
            }

            stale?.Dispose();
            var client = await ConnectAsync(cancellationToken);
            lock (_gate)
            {
                _client = client;
                _leases = 1;
            }

            return new Lease(this, client);
        }
        finally
        {
            _connecting.Release();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _idle?.Dispose();
            _idle = null;
            _client?.Dispose();
            _client = null;
        }

        _connecting.Dispose();
    }

    private async Task<SftpClient> ConnectAsync(CancellationToken cancellationToken)
    {
        var knownHosts = ReadKnownHosts();
        var info = new ConnectionInfo(_options.Host, _options.Port, _options.User, Authentication())
        {
            Timeout = OperationTimeout,
        };

        // Offer only the algorithms of the pinned keys, so the server proves the key that is pinned rather than
        // another type of key it also has.
        var pinnedTypes = knownHosts.KeyTypes;
        var fitting = info.HostKeyAlgorithms.Keys.Where(a => pinnedTypes.Any(t => KnownHosts.AlgorithmFits(a, t))).ToHashSet(StringComparer.Ordinal);
        if (fitting.Count > 0)
        {
            foreach (var algorithm in info.HostKeyAlgorithms.Keys.Where(a => !fitting.Contains(a)).ToList())
            {
                info.HostKeyAlgorithms.Remove(algorithm);
            }
        }

        var client = new SftpClient(info) { OperationTimeout = OperationTimeout };
        SftpHostKeyException? refused = null;
        client.HostKeyReceived += (_, e) =>
        {
            refused = CheckHostKey(knownHosts, e.HostKey);
            e.CanTrust = refused is null;
        };
        try
        {
            await client.ConnectAsync(cancellationToken);
            return client;
        }
        catch (Exception ex)
        {
            client.Dispose();
            if (refused is not null)
            {
                throw refused;
            }

            if (ex is OperationCanceledException && cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            throw SftpErrors.Translate(ex, _options, _options.Path, SftpErrors.Connecting) ?? throw new StorageException(
                $"SFTP storage '{_options.Name}' ({_options.User}@{_options.Host}:{_options.Port}): connecting failed: {ex.Message}", ex);
        }
    }

    private KnownHosts ReadKnownHosts()
    {
        string text;
        try
        {
            text = File.ReadAllText(_options.KnownHostsFile);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StorageException(
                $"SFTP storage '{_options.Name}': cannot read its known_hosts_file '{_options.KnownHostsFile}': {ex.Message.TrimEnd('.')}. "
                + $"Create it with the server's host key: {KnownHosts.KeyscanCommand(_options.Host, _options.Port, _options.KnownHostsFile)} (then check the fingerprint with the server's administrator).",
                ex) { Path = _options.KnownHostsFile };
        }

        return KnownHosts.Parse(text, _options.Host, _options.Port);
    }

    private SftpHostKeyException? CheckHostKey(KnownHosts knownHosts, byte[] offered)
    {
        var name = KnownHosts.HostPattern(_options.Host, _options.Port);
        var fingerprint = $"{KnownHosts.KeyType(offered)} {KnownHosts.Fingerprint(offered)}";
        var storage = $"SFTP storage '{_options.Name}'";
        var add = KnownHosts.KeyscanCommand(_options.Host, _options.Port, _options.KnownHostsFile);
        if (knownHosts.IsRevoked(offered))
        {
            return new SftpHostKeyException(
                $"{storage}: the SSH server {name} offered host key {fingerprint}, which '{_options.KnownHostsFile}' marks @revoked. The agent did not log in.")
            { Path = _options.KnownHostsFile, OfferedFingerprint = fingerprint };
        }

        if (knownHosts.IsPinned(offered))
        {
            return null;
        }

        if (knownHosts.Keys.Count == 0)
        {
            return new SftpHostKeyException(
                $"{storage}: the SSH server {name} is unknown: '{_options.KnownHostsFile}' has no host key for it (the server offered {fingerprint}). "
                + $"The agent did not log in. Add the server's key after checking its fingerprint with the server's administrator: {add}")
            { Path = _options.KnownHostsFile, OfferedFingerprint = fingerprint };
        }

        var pinned = string.Join(", ", knownHosts.Keys.Select(k => $"{KnownHosts.KeyType(k)} {KnownHosts.Fingerprint(k)}"));
        return new SftpHostKeyException(
            $"{storage}: the host key of the SSH server {name} has CHANGED: it offered {fingerprint}, but '{_options.KnownHostsFile}' pins {pinned}. "
            + "Someone may be intercepting the connection, or the server was reinstalled. The agent did not log in. "
            + $"If the change is expected, remove the old line (ssh-keygen -R '{name}' -f {_options.KnownHostsFile}) and add the new key: {add}")
        { Path = _options.KnownHostsFile, OfferedFingerprint = fingerprint };
    }

    private AuthenticationMethod[] Authentication()
    {
        if (_options.Password is { } password)
        {
            return [new PasswordAuthenticationMethod(_options.User, password.Reveal())];
        }

        PrivateKeyFile key;
        try
        {
            key = new PrivateKeyFile(_options.PrivateKeyFile!);
        }
        catch (SshPassPhraseNullOrEmptyException ex)
        {
            throw new StorageException(
                $"SFTP storage '{_options.Name}': the private key '{_options.PrivateKeyFile}' is protected by a passphrase, which the agent cannot type. Use a key without a passphrase, readable only by the agent.",
                ex) { Path = _options.PrivateKeyFile };
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or SshException or ArgumentException or InvalidOperationException or NotSupportedException)
        {
            throw new StorageException(
                $"SFTP storage '{_options.Name}': cannot use the private key '{_options.PrivateKeyFile}': {ex.Message}. Point private_key_file at an OpenSSH private key file (e.g. made by `ssh-keygen -t ed25519 -N ''`).",
                ex) { Path = _options.PrivateKeyFile };
        }

        return [new PrivateKeyAuthenticationMethod(_options.User, key)];
    }

    private void Release(SftpClient client)
    {
        lock (_gate)
        {
            // A client that was replaced (its connection had dropped) is disposed already and counts no more.
            if (!ReferenceEquals(client, _client) || --_leases > 0)
            {
                return;
            }

            _idle?.Dispose();
            _idle = _time.CreateTimer(_ => CloseIfIdle(client), null, IdleTimeout, Timeout.InfiniteTimeSpan);
        }
    }

    private void CloseIfIdle(SftpClient client)
    {
        lock (_gate)
        {
            if (_leases > 0 || !ReferenceEquals(client, _client))
            {
                return;
            }

            _client = null;
            _idle?.Dispose();
            _idle = null;
        }

        client.Dispose();
    }

    /// <summary>A connected client for one operation (or one open file); disposing gives it back.</summary>
    internal sealed class Lease : IDisposable
    {
        private readonly SftpConnection _owner;
        private int _disposed;

        public Lease(SftpConnection owner, SftpClient client)
        {
            _owner = owner;
            Client = client;
        }

        public SftpClient Client { get; }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                _owner.Release(Client);
            }
        }
    }
}
