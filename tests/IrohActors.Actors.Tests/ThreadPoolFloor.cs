using System.Runtime.CompilerServices;

namespace IrohActors.Actors.Tests;

/// <summary>
/// Many tests here block a pool thread on purpose (a gate inside an actor) while other test classes run in
/// parallel; on two cores the pool adds a thread only every half second or so, and a loaded machine then missed
/// the test kit's 3 s expectations. A higher floor keeps the blocked threads from starving the others.
/// </summary>
internal static class ThreadPoolFloor
{
#pragma warning disable CA2255 // a test assembly, loaded only by the test runner: it sets the floor before any test runs.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Raise()
    {
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 32), Math.Max(io, 32));
    }
}
