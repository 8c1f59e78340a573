using VolumeAgent.Docker.Models;
using VolumeAgent.Runs;
using VolumeAgent.Runs.Stops;

namespace VolumeAgent.Tests.Runs;

public sealed class ContainerStopperTests
{
    [Fact]
    public void StopOrder_ComposeDependsOn_StopsDependantsBeforeTheirDependencies()
    {
        var db = Container("db", "db");
        var app = Container("app", "app", "db:service_started:false");
        var proxy = Container("proxy", "proxy", "app:service_started:false,db:service_healthy:true");

        var order = ContainerStopper.StopOrder([db, app, proxy]);

        order.Select(c => c.Id).Should().Equal("proxy", "app", "db");
    }

    [Fact]
    public void StopOrder_NoDependencies_KeepsTheListedOrder()
    {
        var order = ContainerStopper.StopOrder([Container("b", "b"), Container("a", "a"), Container("c", null)]);

        order.Select(c => c.Id).Should().Equal("b", "a", "c");
    }

    [Fact]
    public void StopOrder_DependencyOutsideTheList_IsIgnored()
    {
        var order = ContainerStopper.StopOrder([Container("worker", "worker", "redis:service_started:false"), Container("app", "app")]);

        order.Select(c => c.Id).Should().Equal("worker", "app");
    }

    [Fact]
    public void StopOrder_DependencyCycle_StillListsEveryContainerOnce()
    {
        var order = ContainerStopper.StopOrder([Container("a", "a", "b:x:y"), Container("b", "b", "a:x:y")]);

        order.Select(c => c.Id).Should().BeEquivalentTo(["a", "b"]);
    }

    private static ContainerInspect Container(string id, string? service, string? dependsOn = null)
    {
        var labels = new Dictionary<string, string>();
        if (service is not null)
        {
            labels["com.docker.compose.service"] = service;
        }

        if (dependsOn is not null)
        {
            labels[ContainerStopper.DependsOnLabel] = dependsOn;
        }

        return new ContainerInspect { Id = id, Name = "/" + id, Config = new ContainerConfig { Labels = labels } };
    }
}
