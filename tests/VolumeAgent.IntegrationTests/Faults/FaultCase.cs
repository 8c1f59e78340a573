using System.Diagnostics;
using System.Runtime.CompilerServices;
using Docker.DotNet;
using VolumeAgent.IntegrationTests.Backups;
using VolumeAgent.IntegrationTests.Daemon;
using VolumeAgent.IntegrationTests.Fixtures;
using VolumeAgent.IntegrationTests.Fixtures.Client;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Faults;

/// <summary>What a fault test expects of the run it faulted, and what the operator does before the next run.</summary>
internal sealed record FaultExpectation(FaultResult Result, string Happened)
{
    /// <summary>The run that met the fault; null when the agent itself was killed.</summary>
    public AgentResult? Run { get; init; }

    /// <summary>Texts the run's output must contain: the cause, named.</summary>
    public IReadOnlyList<string> Causes { get; init; } = [];

    /// <summary>What the operator does about the fault before the next run (start the container again, free space...).</summary>
    public Func<CancellationToken, Task>? Repair { get; init; }

    /// <summary>Texts the next run's output must contain: what the next start repaired.</summary>
    public IReadOnlyList<string> Repairs { get; init; } = [];

    /// <summary>The next run's command (default `run-now JOB -v`); it must exit 0.</summary>
    public IReadOnlyList<string>? NextRun { get; init; }

    /// <summary>
    /// The engine was down when the faulted run ended, so the agent could not remove its helper then: the next start
    /// removes it (say so in <see cref="Repairs"/>); the check for leftovers after the next run stands.
    /// </summary>
    public bool HelpersLeftToNextStart { get; init; }

    /// <summary>What was lost, as the table says it.</summary>
    public string Lost { get; init; } = "nothing";
}

/// <summary>
/// One fault test's shared assertion set, written once: every fault test makes its earlier sets through it, marks the
/// moment it injects the fault, and ends with <see cref="ExpectAsync"/>, which checks that
/// <list type="bullet">
/// <item>the run was reported failed with an error naming the cause (or retried and succeeded, or the agent was killed),</item>
/// <item>the agent left no helper container or scratch volume of the job (by its labels), none after the next run either,</item>
/// <item>the next run (after the operator's repair) succeeds, and its set passes `verify`,</item>
/// <item>the earlier sets are byte for byte as they were and `verify` passes on each,</item>
/// <item>no container the test names is left stopped or paused, none runs an exec (a dump or hook) any more,
/// and the stop journal is empty,</item>
/// <item>no anonymous volume appeared while the test ran,</item>
/// </list>
/// and then writes the test's line to the <see cref="FaultJournal"/>.
/// </summary>
internal sealed class FaultCase
{
    private static readonly TimeSpan ExecsEndWithin = TimeSpan.FromSeconds(30);
    private readonly DockerFixture _docker;
    private readonly DockerClient _engine;
    private readonly AgentWorkspace _workspace;
    private readonly ITestOutputHelper _output;
    private readonly IReadOnlySet<string> _danglingBefore;
    private readonly List<(string Job, string Set, Func<CancellationToken, Task> ExpectUntouched)> _earlier = [];
    private Stopwatch? _injected;

    private FaultCase(DockerFixture docker, DockerClient engine, AgentWorkspace workspace, ITestOutputHelper output, string fault, string test, IReadOnlySet<string> danglingBefore)
    {
        _docker = docker;
        _engine = engine;
        _workspace = workspace;
        _output = output;
        Fault = fault;
        Test = test;
        _danglingBefore = danglingBefore;
    }

    public string Fault { get; }

    public string Test { get; }

    /// <summary>The job the fault hits; the next run runs it.</summary>
    public string Job { get; set; } = string.Empty;

    /// <summary>Containers that must run (not stopped, not paused) and run no exec at the end.</summary>
    public List<string> Containers { get; } = [];

    /// <param name="engine">The engine the agent's jobs and the test's containers are on (default: the fixture's).</param>
    public static async Task<FaultCase> BeginAsync(
        DockerFixture docker, AgentWorkspace workspace, ITestOutputHelper output, string fault, CancellationToken cancellationToken,
        [CallerFilePath] string file = "", [CallerMemberName] string test = "", DockerClient? engine = null)
    {
        ArgumentNullException.ThrowIfNull(docker);
        engine ??= docker.Client;
        var dangling = await AnonymousVolumes.DanglingAsync(engine, cancellationToken);
        return new FaultCase(docker, engine, workspace, output, fault, $"{Path.GetFileNameWithoutExtension(file)}.{test}", dangling);
    }

    /// <summary>Writes <paramref name="config"/>, runs the job once expecting success, and remembers its set as one to keep intact.</summary>
    public async Task<EarlierSet> EarlierSetAsync(string job, string config, CancellationToken cancellationToken)
    {
        Job = job;
        var set = await FailureChecks.MakeEarlierSetAsync(_workspace, job, config, cancellationToken);
        _earlier.Add((job, Path.GetFileName(set.Path), set.ExpectUntouchedAsync));
        return set;
    }

    /// <summary>
    /// Remembers a set made elsewhere (another storage) as one to keep intact: <paramref name="expectUntouched"/> checks
    /// its files are as they were, and `verify JOB/SET` must pass.
    /// </summary>
    public void KeepIntact(string job, string set, Func<CancellationToken, Task> expectUntouched) => _earlier.Add((job, set, expectUntouched));

    /// <summary>The fault is injected now: detection and recovery are timed from here.</summary>
    public void Injected()
    {
        _injected = Stopwatch.StartNew();
        _output.WriteLine($"--- fault injected: {Fault}");
    }

    public async Task ExpectAsync(FaultExpectation expected, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(expected);
        _injected.Should().NotBeNull("the test marks the moment it injects the fault");
        var detected = _injected!.Elapsed;
        switch (expected.Result)
        {
            case FaultResult.FailedNamingCause:
                expected.Run.Should().NotBeNull();
                expected.Run!.ExitCode.Should().Be(1, $"the run is reported failed: {expected.Run}");
                break;
            case FaultResult.RetriedAndSucceeded:
                expected.Run.Should().NotBeNull();
                expected.Run!.ExitCode.Should().Be(0, $"the run retried and succeeded: {expected.Run}");
                break;
            default:
                expected.Run.Should().BeNull("a killed agent reports nothing; its next start does");
                break;
        }

        foreach (var cause in expected.Causes)
        {
            expected.Run!.Output.Should().Contain(cause, "the error names the cause");
        }

        if (expected.Result != FaultResult.RepairedAtNextStart && !expected.HelpersLeftToNextStart)
        {
            await _workspace.AssertNoAgentLeftoversAsync(cancellationToken);
        }

        if (expected.Repair is not null)
        {
            await expected.Repair(cancellationToken);
        }

        var next = await _workspace.RunAsync(cancellationToken, [.. expected.NextRun ?? ["run-now", Job, "-v"]]);
        next.ExitCode.Should().Be(0, $"the next run succeeds: {next}");
        var recovered = _injected.Elapsed;
        foreach (var repair in expected.Repairs)
        {
            next.Output.Should().Contain(repair, "the next start reports what it repaired");
        }

        if (expected.NextRun is null)
        {
            await ExpectVerifiedAsync(Job, "--latest", Job);
        }

        foreach (var (job, set, expectUntouched) in _earlier)
        {
            await expectUntouched(cancellationToken);
            await ExpectVerifiedAsync(job, $"{job}/{set}");
        }

        await _workspace.AssertNoAgentLeftoversAsync(cancellationToken);
        await ExpectContainersRunningWithoutExecsAsync(cancellationToken);
        var journal = Path.Combine(_workspace.StateDir, "journal");
        if (Directory.Exists(journal))
        {
            Directory.EnumerateFiles(journal, "*.json").Should().BeEmpty("no run holds a container stopped any more");
        }

        var leaked = await AnonymousVolumes.NewSinceAsync(_engine, _danglingBefore, cancellationToken);
        leaked.Should().BeEmpty(AnonymousVolumes.Describe(leaked, Test));
        _output.WriteLine($"--- {Fault}: detected after {detected.TotalSeconds:0.0} s, recovered after {recovered.TotalSeconds:0.0} s");
        FaultJournal.Write(_docker.TestRunId, new FaultRecord(Fault, Test, expected.Result, expected.Happened, expected.Lost, detected, recovered));

        async Task ExpectVerifiedAsync(string what, params string[] arguments)
        {
            var verify = await _workspace.RunAsync(cancellationToken, ["verify", .. arguments]);
            verify.ExitCode.Should().Be(0, $"`verify` passes on {what}'s set: {verify}");
        }
    }

    private async Task ExpectContainersRunningWithoutExecsAsync(CancellationToken cancellationToken)
    {
        foreach (var name in Containers)
        {
            var state = (await _engine.Containers.InspectContainerAsync(name, cancellationToken)).State!;
            state.Running.Should().BeTrue($"container {name} is not left stopped");
            state.Paused.Should().BeFalse($"container {name} is not left paused");

            // An exec the agent abandoned in a container it could not reach ends once the container runs again.
            await DaemonWait.UntilAsync($"the execs in {name} to end", ExecsEndWithin, async () =>
            {
                var execs = await _engine.InspectExecsAsync(name, cancellationToken);
                var running = execs.Where(e => e.Running).Select(e => $"{e.ProcessConfig?.Entrypoint} {string.Join(' ', e.ProcessConfig?.Arguments ?? [])}").ToList();
                return (running.Count == 0, string.Join("; ", running));
            }, cancellationToken);
        }
    }
}
