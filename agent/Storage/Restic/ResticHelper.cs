using System.Text;
using Serilog;
using VolumeAgent.Docker;
using VolumeAgent.Docker.Models;
using VolumeAgent.Sources;
using VolumeAgent.Sources.Shared.Helpers;

namespace VolumeAgent.Storage.Restic;

/// <summary>
/// Runs restic commands, each in its own throwaway helper container (<see cref="HelperContainer"/>: labelled,
/// no capabilities beyond reading, removed whatever happens). The repository's location and password and the
/// backend's credentials reach restic through the helper's environment only, never its command line; a local
/// repository is bind-mounted, and only a remote one gets a network.
/// </summary>
internal sealed class ResticHelper(ResticStorageOptions options, IDockerEngine docker, ILogger log)
{
    /// <summary>The most a listing restic prints is read into memory; beyond it the listing fails rather than fill memory.</summary>
    private const int MaxCapturedBytes = 64 * 1024 * 1024;

    private ResticImage.Choice? _image;
    private Version? _version;

    public ResticStorageOptions Options => options;

    /// <summary>How messages name the helper image (known once a helper ran; the configured one until then).</summary>
    public string ImageShown => _image?.Shown ?? options.Image ?? "the agent's own";

    /// <summary>
    /// Starts restic with <paramref name="arguments"/>; the caller reads its output, feeds its input, waits and disposes it.
    /// <paramref name="mounts"/> (a tree to back up or restore into), <paramref name="capabilities"/> (beyond reading) and
    /// <paramref name="environment"/> (no secrets: those come from the storage) are added to the helper's own.
    /// </summary>
    /// <exception cref="StorageException">The helper image is missing or the helper could not be started.</exception>
    public Task<HelperContainer> StartAsync(IReadOnlyList<string> arguments, bool stdin, string purpose, CancellationToken cancellationToken) =>
        StartAsync(arguments, stdin, purpose, mounts: null, capabilities: null, environment: null, cancellationToken);

    /// <inheritdoc cref="StartAsync(IReadOnlyList{string}, bool, string, CancellationToken)"/>
    public Task<HelperContainer> StartAsync(
        IReadOnlyList<string> arguments,
        bool stdin,
        string purpose,
        IReadOnlyList<MountSpec>? mounts,
        IReadOnlyList<string>? capabilities,
        IReadOnlyList<string>? environment,
        CancellationToken cancellationToken) =>
        StartAsync(arguments, stdin, purpose, mounts, capabilities, environment, prepare: null, cancellationToken);

    /// <summary>
    /// Starts restic once the files of <paramref name="tar"/> are in the created helper: the engine's archive API
    /// extracts it at the helper's root before the start, so no shell and no stdin carry them.
    /// </summary>
    /// <exception cref="StorageException">The helper could not be created, take the files or start.</exception>
    public Task<HelperContainer> StartWithFilesAsync(IReadOnlyList<string> arguments, Stream tar, string purpose, CancellationToken cancellationToken) =>
        StartAsync(
            arguments, stdin: false, purpose, mounts: null, capabilities: null, environment: null, (id, token) => docker.Containers.PutArchiveAsync(id, "/", tar, token), cancellationToken);

    private async Task<HelperContainer> StartAsync(
        IReadOnlyList<string> arguments,
        bool stdin,
        string purpose,
        IReadOnlyList<MountSpec>? mounts,
        IReadOnlyList<string>? capabilities,
        IReadOnlyList<string>? environment,
        Func<string, CancellationToken, Task>? prepare,
        CancellationToken cancellationToken)
    {
        var image = await EnsureImageAsync(cancellationToken);
        var spec = new HelperSpec
        {
            Image = image,
            Command = ["restic", "--no-cache", .. arguments],
            // `restic version` needs no repository: validate runs it where a local repository may not exist yet.
            Mounts = [.. RepositoryMounts(arguments[0]), .. mounts ?? []],
            Labels = AgentLabels.For("none", "restic"),
            Capabilities = capabilities ?? ["DAC_READ_SEARCH"],
            Environment = [.. Environment(), .. environment ?? []],
            NetworkMode = options.IsLocal ? "none" : "bridge",
            Stdin = stdin,
            Purpose = purpose,
        };
        try
        {
            return await HelperContainer.StartAsync(docker, spec, log, prepare, cancellationToken);
        }
        catch (ArtifactFailedException ex)
        {
            throw new StorageException($"restic storage '{options.Name}': {ex.Message}", ex);
        }
    }

    /// <summary>Runs restic to its end and returns what it printed; a non-zero exit is thrown as the storage error it means.</summary>
    /// <exception cref="StorageException">restic failed; the message says why (missing repository, wrong password, a lock) and the fix.</exception>
    public async Task<byte[]> CaptureAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var (exit, output, stderr) = await TryCaptureAsync(arguments, cancellationToken);
        return exit == 0 ? output : throw await FailureAsync(arguments[0], exit, stderr, cancellationToken);
    }

    /// <summary>
    /// A failed command's error (<see cref="ResticErrors.Failed"/>). When restic's message is none the agent knows (no
    /// repository, wrong password, a lock), the helper image's restic is checked first, once per image: one too old
    /// fails on what it lacks, and that is the error to show. Runs check the version only then, not at every start:
    /// each check is a helper container of its own.
    /// </summary>
    /// <exception cref="StorageException">Thrown instead of returned when the helper image has no restic or one too old.</exception>
    public async Task<StorageException> FailureAsync(string command, long exit, string stderr, CancellationToken cancellationToken)
    {
        if (ResticErrors.IsExplained(stderr) || _version is not null)
        {
            return ResticErrors.Failed(options, command, exit, stderr);
        }

        await CheckVersionAsync(cancellationToken);
        return ResticErrors.Failed(options, command, exit, stderr);
    }

    /// <summary>Runs restic to its end: its exit code, stdout and the tail of its stderr.</summary>
    public async Task<(long Exit, byte[] Output, string Stderr)> TryCaptureAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var helper = await StartAsync(arguments, stdin: false, $"run restic {arguments[0]}", cancellationToken);
        await using (helper)
        {
            using var output = new MemoryStream();
            var buffer = new byte[64 * 1024];
            int read;
            while ((read = await helper.Output.ReadAsync(buffer, cancellationToken)) > 0)
            {
                if (output.Length + read > MaxCapturedBytes)
                {
                    throw new StorageException($"restic storage '{options.Name}': `restic {arguments[0]}` printed more than {MaxCapturedBytes / 1024 / 1024} MiB; the listing is too large to read.");
                }

                output.Write(buffer, 0, read);
            }

            var exit = await helper.WaitAsync(cancellationToken);
            return (exit, output.ToArray(), helper.Stderr.ToString());
        }
    }

    /// <summary>The helper's restic version, refused when older than <see cref="ResticErrors.MinimumVersion"/>.</summary>
    /// <exception cref="StorageException">restic is missing from the image, or too old.</exception>
    public async Task<Version> CheckVersionAsync(CancellationToken cancellationToken)
    {
        if (_version is { } known)
        {
            return known;
        }

        long exit;
        string text, stderr;
        try
        {
            (exit, var output, stderr) = await TryCaptureAsync(["version"], cancellationToken);
            text = Encoding.UTF8.GetString(output);
        }
        catch (StorageException ex) when (ex.InnerException is ArtifactFailedException started)
        {
            // The engine could not start `restic` at all: the image has no restic on its PATH.
            throw NoRestic(started.Message, ex);
        }

        var version = exit == 0 ? ResticJson.ParseVersion(text) : null;
        if (version is null)
        {
            throw NoRestic($"`restic version`: exit {exit}, {(text + " " + stderr).Trim()}", null);
        }

        if (ResticErrors.TooOld(options, ImageShown, version) is { } tooOld)
        {
            throw new StorageException(tooOld);
        }

        _version = version;
        return version;
    }

    private StorageException NoRestic(string detail, Exception? cause)
    {
        var message = $"restic storage '{options.Name}': the helper image {ImageShown} does not run restic ({detail}). "
            + "Name an image with restic 0.14 or newer in 'image' (the agent's own image has it).";
        return cause is null ? new StorageException(message) : new StorageException(message, cause);
    }

    /// <summary>
    /// A local repository's directory; an sftp: repository's key and known_hosts, read-only where root's ssh finds them
    /// (ssh reads a key of any type from a default identity file). <c>restic version</c> needs none.
    /// </summary>
    private List<MountSpec> RepositoryMounts(string command)
    {
        var result = new List<MountSpec>();
        if (command == "version")
        {
            return result;
        }

        if (options.IsLocal)
        {
            result.Add(new MountSpec { Type = "bind", Source = options.Repository, Target = ResticStorageOptions.LocalMountPoint });
        }

        if (options.PrivateKeyFile is { } key)
        {
            result.Add(new MountSpec { Type = "bind", Source = key, Target = "/root/.ssh/id_ed25519", ReadOnly = true });
        }

        if (options.KnownHostsFile is { } knownHosts)
        {
            result.Add(new MountSpec { Type = "bind", Source = knownHosts, Target = "/root/.ssh/known_hosts", ReadOnly = true });
        }

        return result;
    }

    private List<string> Environment()
    {
        var environment = new List<string>
        {
            "RESTIC_REPOSITORY=" + options.HelperRepository,
            "RESTIC_PASSWORD=" + options.Password.Reveal(),
        };
        environment.AddRange(options.Environment.Select(pair => pair.Key + "=" + pair.Value.Reveal()));
        return environment;
    }

    /// <summary>The image to run (<see cref="ResticImage"/>), present on the engine (pulled when missing); resolved once.</summary>
    private async Task<string> EnsureImageAsync(CancellationToken cancellationToken)
    {
        if (_image is { } known)
        {
            return known.Reference;
        }

        var choice = await ResticImage.ResolveAsync(options, docker, cancellationToken);
        try
        {
            await docker.Images.EnsureAsync(choice.Reference, null, cancellationToken);
        }
        catch (DockerApiException ex)
        {
            throw new StorageException(
                $"restic storage '{options.Name}': the helper image {choice.Shown} is not on this engine and could not be pulled: {ex.EngineMessage ?? ex.Message}. "
                + "Load it (docker load) or name an image with restic the engine has in 'image'.",
                ex);
        }

        _image = choice;
        return choice.Reference;
    }
}
