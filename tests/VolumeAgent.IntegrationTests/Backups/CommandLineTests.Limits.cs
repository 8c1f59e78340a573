using System.Globalization;
using System.Text;
using VolumeAgent.IntegrationTests.Fixtures;

namespace VolumeAgent.IntegrationTests.Backups;

/// <summary>`validate` on files no one meant to write: huge, full of mistakes, or not UTF-8. Short output, exit 2.</summary>
public sealed partial class CommandLineTests
{
    /// <summary>Far more than the 50 problems and one message line a capped report may print.</summary>
    private const int ShortReport = 16 * 1024;

    [Fact]
    public async Task Validate_TwentyMegabytesOfUnknownKeys_IsRefusedBySizeInOneLine()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var size = WriteUnknownKeys(workspace.ConfigPath, 20 * 1024 * 1024);

        var result = await workspace.RunAsync(cts.Token, "validate");

        result.ExitCode.Should().Be(2, result.ToString());
        result.Stderr.Length.Should().BeLessThan(1024, "one problem: the size");
        result.Stderr.Should().Contain($"backup.yml has 1 problem(s):")
            .And.Contain(string.Create(CultureInfo.InvariantCulture, $"{workspace.ConfigPath} the file is 21.0 MB ({size} bytes); backup.yml may be at most 1 MiB (1048576 bytes)"));
    }

    [Fact]
    public async Task Validate_AMegabyteOfUnknownKeys_ListsTheFirstFiftyAndCountsTheRest()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var size = WriteUnknownKeys(workspace.ConfigPath, 1024 * 1024 - 64);
        var keys = File.ReadLines(workspace.ConfigPath).Count();

        var result = await workspace.RunAsync(cts.Token, "validate");

        result.ExitCode.Should().Be(2, result.ToString());
        result.Stderr.Length.Should().BeLessThan(ShortReport, $"{size} bytes of mistakes are summed up, not echoed");
        var total = keys + 2; // and 'storage' and 'jobs' are missing
        result.Stderr.Should().StartWith(string.Create(CultureInfo.InvariantCulture, $"backup.yml has {total} problem(s); the first 50:"))
            .And.Contain(string.Create(CultureInfo.InvariantCulture, $"(and {total - 50} more problem(s) not listed; fix these and run validate again)"));
        var reported = ProblemLine().Matches(result.Stderr).Select(m => m.Value.Trim()).ToList();
        reported.Should().HaveCount(50);
        reported.Should().Contain($"{workspace.ConfigPath}:1:1 unknown0000000: unknown key 'unknown0000000'; allowed here: timezone, helper_image, state_dir, log_format, project, stall_timeout, http, engines, storage, notify, jobs")
            .And.Contain(r => r.StartsWith($"{workspace.ConfigPath}:48:1 unknown0000047: ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Validate_HugeValue_IsQuotedShortWithItsLength()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var value = new string('z', 1000 * 1000);
        File.WriteAllText(workspace.ConfigPath, workspace.Header + $"log_format: {value}\njobs:\n  j:\n    sources: [{{ volume: data }}]\n");

        var result = await workspace.RunAsync(cts.Token, "validate");

        result.ExitCode.Should().Be(2, result.ToString());
        result.Stderr.Length.Should().BeLessThan(1024);
        result.Stderr.Should().Contain($"log_format: '{new string('z', 100)}…' (1000000 characters) is not allowed; use one of text, json");
    }

    [Fact]
    public async Task Validate_InvalidUtf8InAPassword_ExitsTwoNamingItsLineAndColumn()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var head = workspace.Header + "jobs:\n  j:\n    sources:\n      - postgres: db\n        password: s";
        File.WriteAllBytes(workspace.ConfigPath, [.. Encoding.UTF8.GetBytes(head), 0xE9, .. "cret\n"u8]);
        var line = head.Count(c => c == '\n') + 1;

        var result = await workspace.RunAsync(cts.Token, "validate");

        result.ExitCode.Should().Be(2, result.ToString());
        result.Stderr.Should().Contain(string.Create(CultureInfo.InvariantCulture, $"{workspace.ConfigPath}:{line}:20 invalid UTF-8 (0xE9)"));
        result.Stdout.Should().NotContain("is valid");
    }

    /// <summary>Writes 18-byte lines "unknownNNNNNNN: v" up to <paramref name="bytes"/>; returns the file's size.</summary>
    private static long WriteUnknownKeys(string path, long bytes)
    {
        using (var writer = new StreamWriter(path, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)))
        {
            for (var i = 0; i < bytes / 18; i++)
            {
                writer.Write(string.Create(CultureInfo.InvariantCulture, $"unknown{i:D7}: v\n"));
            }
        }

        return new FileInfo(path).Length;
    }
}
