using System.CommandLine;
using VolumeAgent.Docker;
using VolumeAgent.Policy;
using VolumeAgent.Presentation;
using VolumeAgent.Storage;

namespace VolumeAgent.Cli;

/// <summary><c>volume-agent validate</c>: every problem of backup.yml at once, or a summary of what it will do.</summary>
internal static class ValidateCommand
{
    public static Command Create(Option<string> config)
    {
        var command = new Command("validate", "Check backup.yml: list every problem with its line and column, or summarise the jobs and sources.");
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(
            async _ =>
            {
                var path = parse.GetValue(config)!;
                var policy = ConfigOption.Load(path);
                var unsupported = policy.Storage.Values.Where(s => !StorageRegistry.For(s).IsAvailable).GroupBy(s => s.Type).ToList();
                Console.Write(policy.Describe());
                if (unsupported.Count > 0)
                {
                    foreach (var type in unsupported)
                    {
                        Console.Error.WriteLine(
                            $"{path}: storage {string.Join(", ", type.Select(s => s.Name))} is of type {type.Key}, which this version of the agent cannot write yet; use a `type: local` storage.");
                    }

                    return ExitCodes.ConfigurationError;
                }

                if (!DescribeEngine())
                {
                    return ExitCodes.ConfigurationError;
                }

                if (!await CheckToolsAsync(policy, cancellationToken))
                {
                    return ExitCodes.ConfigurationError;
                }

                Console.WriteLine($"{path} is valid.");
                WarnAboutMissingStorage(policy);
                return ExitCodes.Success;
            },
            Console.Error,
            cancellationToken));
        return command;
    }

    /// <summary>
    /// The tools storages run through the engine (restic in its helper image): each one's version is reported, and one
    /// that is missing or too old fails validate. An engine that does not answer is a warning (validate may run elsewhere).
    /// </summary>
    private static async Task<bool> CheckToolsAsync(BackupPolicy policy, CancellationToken cancellationToken)
    {
        var sound = true;
        foreach (var storage in policy.Storage.Values)
        {
            if (StorageRegistry.For(storage) is not IStorageToolCheck tool)
            {
                continue;
            }

            try
            {
                Console.WriteLine($"storage '{storage.Name}': {await tool.CheckToolAsync(storage, cancellationToken)}");
            }
            catch (StorageException ex)
            {
                Console.Error.WriteLine(ex.Message);
                sound = false;
            }
            catch (Docker.DockerUnavailableException ex)
            {
                Console.Error.WriteLine($"warning: storage '{storage.Name}': its tool's version was not checked, the Docker engine did not answer ({ex.Message}).");
            }
        }

        return sound;
    }

    /// <summary>
    /// The engine the agent would reach with this environment (DOCKER_HOST and the TLS variables, read as the docker
    /// CLI reads them), without connecting: its endpoint and certificate paths, never a secret. False, with the
    /// problem said, when the environment names an engine the agent cannot use.
    /// </summary>
    private static bool DescribeEngine()
    {
        try
        {
            Console.WriteLine($"engine: {DockerEndpoint.FromEnvironment().Description}");
            return true;
        }
        catch (ArgumentException ex)
        {
            Console.Error.WriteLine(ex.Message);
            return false;
        }
    }

    /// <summary>
    /// A storage that is not there where validate runs (a local directory): a warning, not a problem (the file is
    /// valid, and validate may run elsewhere than the agent), and nothing is created.
    /// </summary>
    private static void WarnAboutMissingStorage(BackupPolicy policy)
    {
        foreach (var storage in policy.Storage.Values)
        {
            if (StorageRegistry.For(storage).FindProblem(storage) is { } problem)
            {
                Console.Error.WriteLine($"warning: storage '{storage.Name}': {problem} Runs fail until it is there.");
            }
        }
    }
}
