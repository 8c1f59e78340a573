using System.CommandLine;
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
            _ =>
            {
                var path = parse.GetValue(config)!;
                var policy = ConfigOption.Load(path);
                var unsupported = policy.Storage.Values.OfType<S3StorageOptions>().Select(s => s.Name).ToList();
                Console.Write(policy.Describe());
                if (unsupported.Count > 0)
                {
                    Console.Error.WriteLine(
                        $"{path}: storage {string.Join(", ", unsupported)} is of type s3, which this version of the agent cannot write yet; use a `type: local` storage.");
                    return Task.FromResult(ExitCodes.ConfigurationError);
                }

                Console.WriteLine($"{path} is valid.");
                WarnAboutMissingStorage(policy);
                return Task.FromResult(ExitCodes.Success);
            },
            Console.Error,
            cancellationToken));
        return command;
    }

    /// <summary>
    /// A storage directory that is not there where validate runs: a warning, not a problem (the file is valid, and
    /// validate may run elsewhere than the agent), and nothing is created.
    /// </summary>
    private static void WarnAboutMissingStorage(BackupPolicy policy)
    {
        foreach (var local in policy.Storage.Values.OfType<LocalStorageOptions>())
        {
            if (LocalStorageRoot.FindProblem(local.Path, local.Create) is { } problem)
            {
                Console.Error.WriteLine($"warning: storage '{local.Name}': {problem.Message} Runs fail until it is there.");
            }
        }
    }
}
