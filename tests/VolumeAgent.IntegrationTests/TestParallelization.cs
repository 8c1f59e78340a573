// The suite is one collection against one engine on a small machine; collections never run side by side.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
