// The collections of Fixtures/DockerTests.cs run side by side, all at once: most of a test's time is spent waiting
// for containers, databases and servers, not on the CPU. Tests within a collection run one at a time.
[assembly: CollectionBehavior(MaxParallelThreads = 6)]
