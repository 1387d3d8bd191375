namespace Perps.Tests.Faults;

/// <summary>
/// Fault tests kill processes and restart Redis and Postgres under load, each in an app of its own: they run one
/// at a time, and after the rest of the suite, so they neither share a fault nor starve each other of the CPU.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FaultsCollection
{
    public const string Name = "Faults";
}
