using VolumeAgent.Control.Daemon;
using VolumeAgent.Docker;
using VolumeAgent.Tests.Scheduling;

namespace VolumeAgent.Tests.Control;

public sealed class SessionOpenerTests
{
    private readonly LogCapture _log = new();

    [Fact]
    public async Task OpenAsync_EngineAnswersOnTheThirdTry_ReturnsTheSessionAfterBackingOff()
    {
        var attempts = 0;

        var session = await SessionOpener.OpenAsync(
            _ => ++attempts < 3 ? throw new DockerUnavailableException("no socket yet") : Task.FromResult("session"),
            TimeSpan.FromSeconds(60),
            TimeProvider.System,
            _log.Logger,
            CancellationToken.None);

        session.Should().Be("session");
        attempts.Should().Be(3);
        _log.Events.Where(e => e.Level == Serilog.Events.LogEventLevel.Warning).Select(LogBroadcast.RenderLiteral).Should().Equal(
            "The Docker engine does not answer yet; trying again in 1 s: no socket yet",
            "The Docker engine does not answer yet; trying again in 2 s: no socket yet");
    }

    [Fact]
    public async Task OpenAsync_EngineNeverAnswers_GivesUpWithinThePatience()
    {
        var attempts = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var open = () => SessionOpener.OpenAsync<string>(
            _ => { attempts++; throw new DockerUnavailableException("no socket"); },
            TimeSpan.FromSeconds(2),
            TimeProvider.System,
            _log.Logger,
            CancellationToken.None);

        await open.Should().ThrowAsync<DockerUnavailableException>().WithMessage("no socket");
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(3));
        attempts.Should().Be(2, "a try at once, one after 1 s, and no try whose delay would end past the patience");
        _log.Messages(Serilog.Events.LogEventLevel.Error).Should().ContainSingle().Which.Should().Contain("did not answer within 2 s");
    }

    [Fact]
    public async Task OpenAsync_OtherFailure_IsNotRetried()
    {
        var attempts = 0;

        var open = () => SessionOpener.OpenAsync<string>(
            _ => { attempts++; throw new InvalidOperationException("state dir not writable"); },
            TimeSpan.FromSeconds(60),
            TimeProvider.System,
            _log.Logger,
            CancellationToken.None);

        await open.Should().ThrowAsync<InvalidOperationException>();
        attempts.Should().Be(1);
    }
}
