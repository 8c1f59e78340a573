using System.Diagnostics;
using System.Text;

namespace VolumeAgent.Tests.Pipeline;

/// <summary>Runs a host tool (gzip, zstd, tar, ...) the way a person restoring by hand would.</summary>
internal static class HostTool
{
    public static async Task<HostToolResult> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        string? stdinFile = null,
        string? stdoutFile = null,
        string? workingDirectory = null)
    {
        File.Exists(fileName).Should().BeTrue($"{fileName} is a host tool these tests need (CI installs it)");
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = stdinFile is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        Task<string> stdout;
        if (stdoutFile is not null)
        {
            stdout = CopyToFileAsync(process.StandardOutput.BaseStream, stdoutFile);
        }
        else
        {
            stdout = process.StandardOutput.ReadToEndAsync();
        }

        if (stdinFile is not null)
        {
            await using (var input = File.OpenRead(stdinFile))
            {
                await input.CopyToAsync(process.StandardInput.BaseStream);
            }

            process.StandardInput.Close();
        }

        await process.WaitForExitAsync();
        return new HostToolResult(process.ExitCode, await stdout, await stderr);
    }

    public static async Task<HostToolResult> RunCheckedAsync(
        string fileName,
        IEnumerable<string> arguments,
        string? stdinFile = null,
        string? stdoutFile = null,
        string? workingDirectory = null)
    {
        var result = await RunAsync(fileName, arguments, stdinFile, stdoutFile, workingDirectory);
        result.ExitCode.Should().Be(0, $"{fileName} {string.Join(' ', arguments)} failed: {result.Stderr}");
        return result;
    }

    public static async Task<string> Sha256SumAsync(string file)
    {
        var result = await RunCheckedAsync("/usr/bin/sha256sum", [file]);
        return result.Stdout.Split(' ')[0];
    }

    private static async Task<string> CopyToFileAsync(Stream stdout, string file)
    {
        await using var output = File.Create(file);
        await stdout.CopyToAsync(output);
        return string.Empty;
    }
}

internal sealed record HostToolResult(int ExitCode, string Stdout, string Stderr)
{
    public IEnumerable<string> StdoutLines => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public static string Utf8(byte[] bytes) => Encoding.UTF8.GetString(bytes);
}
