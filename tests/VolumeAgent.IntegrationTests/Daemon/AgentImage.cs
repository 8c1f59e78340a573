namespace VolumeAgent.IntegrationTests.Daemon;

/// <summary>
/// The agent image the daemon tests run, built once per test process by tests/images/build-agent.sh (a no-op
/// when the tagged image's recipe digest matches the sources).
/// </summary>
internal static class AgentImage
{
    public const string Tag = "volume-agent:test";
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(15);
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static bool _built;

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static async Task EnsureBuiltAsync(CancellationToken cancellationToken)
    {
        await Gate.WaitAsync(cancellationToken);
        try
        {
            if (_built)
            {
                return;
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(BuildTimeout);
            var result = await CommandLine.RunAsync(
                "bash", [Path.Combine(RepositoryRoot, "tests", "images", "build-agent.sh"), Tag], timeout.Token, workingDirectory: RepositoryRoot);
            if (result.ExitCode != 0)
            {
                throw new InvalidOperationException($"Building the agent image {Tag} failed (`bash tests/images/build-agent.sh`): {result}");
            }

            _built = true;
        }
        finally
        {
            Gate.Release();
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "VolumeAgent.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No folder above {AppContext.BaseDirectory} holds VolumeAgent.sln.");
    }
}
