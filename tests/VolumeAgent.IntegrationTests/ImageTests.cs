using System.Collections.Concurrent;
using VolumeAgent.Docker;
using VolumeAgent.Docker.Models;
using VolumeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests;

/// <summary>Image operations; pulls come from a real registry on 127.0.0.1, fed by the docker command line.</summary>
[Collection(DockerTests.Name)]
public sealed class ImageTests : IClassFixture<LocalRegistryFixture>
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(3);
    private readonly DockerFixture _docker;
    private readonly LocalRegistryFixture _registry;
    private readonly ITestOutputHelper _output;

    public ImageTests(DockerFixture docker, LocalRegistryFixture registry, ITestOutputHelper output)
    {
        _docker = docker;
        _registry = registry;
        _output = output;
    }

    private IImageOperations Images => _docker.Engine.Images;

    [Fact]
    public async Task PullAsync_ImageInLocalRegistry_ReportsProgressAndInspectShowsIt()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        var reference = await PushHelperAsync(scope, "helper", cts.Token);
        var helper = await Images.InspectAsync(TestImages.Helper, cts.Token);
        (await Images.TryInspectAsync(reference, cts.Token)).Should().BeNull("the local tag was removed after the push");
        var progress = new CollectingProgress();

        await Images.PullAsync(reference, progress, cts.Token);
        var pulled = await Images.InspectAsync(reference, cts.Token);
        var listed = await Images.ListAsync(cts.Token, reference);

        foreach (var message in progress.Messages)
        {
            _output.WriteLine($"{message.Id} {message.Status} {message.Progress}");
        }

        progress.Messages.Should().Contain(m => m.Status == $"Pulling from va-test/helper");
        progress.Messages.Should().Contain(m => m.Status != null && m.Status.StartsWith("Digest: sha256:", StringComparison.Ordinal));
        progress.Messages.Should().Contain(m => m.Status != null && m.Status.StartsWith("Status: ", StringComparison.Ordinal) && m.Status.Contains(reference, StringComparison.Ordinal));
        pulled.Id.Should().Be(helper.Id, "the registry served the same image that was pushed");
        pulled.RepoTags.Should().Contain(reference);
        pulled.RepoDigests.Should().Contain(d => d.StartsWith($"{_registry.Address}/va-test/helper@sha256:", StringComparison.Ordinal));
        pulled.Os.Should().Be("linux");
        listed.Should().ContainSingle().Which.RepoTags.Should().Contain(reference);
    }

    [Fact]
    public async Task RemoveAsync_PulledTag_TagGoesAndTheImageItSharesStays()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        var reference = await PushHelperAsync(scope, "remove", cts.Token);
        await Images.PullAsync(reference, null, cts.Token);

        await Images.RemoveAsync(reference, cts.Token);

        (await Images.TryInspectAsync(reference, cts.Token)).Should().BeNull();
        (await Images.TryInspectAsync(TestImages.Helper, cts.Token)).Should().NotBeNull();
        await Images.Invoking(i => i.RemoveAsync(reference, cts.Token)).Should().NotThrowAsync("an image already gone counts as removed");
    }

    [Fact]
    public async Task EnsureAsync_ImageMissingThenPresent_PullsOnlyTheFirstTime()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        var reference = await PushHelperAsync(scope, "ensure", cts.Token);
        var first = new CollectingProgress();
        var second = new CollectingProgress();

        var pulled = await Images.EnsureAsync(reference, first, cts.Token);
        var present = await Images.EnsureAsync(reference, second, cts.Token);

        first.Messages.Should().NotBeEmpty("the image was missing and had to be pulled");
        second.Messages.Should().BeEmpty("the image was there: nothing to pull");
        present.Id.Should().Be(pulled.Id);
        pulled.RepoTags.Should().Contain(reference);
    }

    [Fact]
    public async Task PullAsync_ImageNotInRegistry_ThrowsNamingTheImage()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        var reference = $"{_registry.Address}/va-test/missing:{_docker.TestRunId}";

        var thrown = await Images.Invoking(i => i.PullAsync(reference, null, cts.Token)).Should().ThrowAsync<DockerApiException>();

        _output.WriteLine(thrown.Which.Message);
        thrown.Which.Message.Should().Contain(reference);
        thrown.Which.EngineMessage.Should().Contain("va-test/missing");
        (await Images.TryInspectAsync(reference, cts.Token)).Should().BeNull();
    }

    [Fact]
    public async Task InspectAsync_MissingImage_ThrowsNotFoundAndTryInspectReturnsNull()
    {
        var reference = $"va-test/never-built:{_docker.TestRunId}";

        var thrown = await Images.Invoking(i => i.InspectAsync(reference, CancellationToken.None)).Should().ThrowAsync<DockerApiException>();

        thrown.Which.IsNotFound.Should().BeTrue();
        thrown.Which.EngineMessage.Should().Contain(reference).And.ContainEquivalentOf("no such image");
        (await Images.TryInspectAsync(reference, CancellationToken.None)).Should().BeNull();
    }

    [Fact]
    public async Task ListAsync_ByReference_ListsThatImageOnly()
    {
        var helper = await Images.InspectAsync(TestImages.Helper, CancellationToken.None);

        var listed = await Images.ListAsync(CancellationToken.None, TestImages.Helper);
        var all = await Images.ListAsync(CancellationToken.None);

        listed.Should().ContainSingle().Which.Id.Should().Be(helper.Id);
        listed[0].RepoTags.Should().Contain(TestImages.Helper);
        all.Should().Contain(i => i.Id == helper.Id).And.HaveCountGreaterThan(listed.Count);
    }

    /// <summary>Pushes the helper image as 127.0.0.1:PORT/va-test/NAME:RUNID and removes the local tag again.</summary>
    private async Task<string> PushHelperAsync(TestScope scope, string name, CancellationToken cancellationToken)
    {
        await _docker.RequireImageAsync(TestImages.Helper, cancellationToken);
        var reference = $"{_registry.Address}/va-test/{name}:{_docker.TestRunId}";
        scope.TrackImage(reference);
        await DockerCli.RunAsync(cancellationToken, "tag", TestImages.Helper, reference);
        _output.WriteLine(await DockerCli.RunAsync(cancellationToken, "push", reference));
        await DockerCli.RunAsync(cancellationToken, "rmi", reference);
        return reference;
    }

    /// <summary>Records reports as they are made (Progress&lt;T&gt; would post them to the thread pool, late).</summary>
    private sealed class CollectingProgress : IProgress<ProgressMessage>
    {
        private readonly ConcurrentQueue<ProgressMessage> _messages = new();

        public IReadOnlyCollection<ProgressMessage> Messages => _messages;

        public void Report(ProgressMessage value) => _messages.Enqueue(value);
    }
}
