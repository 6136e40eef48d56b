using IrohActors.Actors.Internal;
using Xunit.Abstractions;

namespace IrohActors.Actors.TestKit;

/// <summary>
/// Base class for xunit actor tests (stands in for Akka.TestKit.Xunit2's <c>TestKit</c>): creates its own
/// <see cref="ActorSystem"/> (name "test" by default), a <see cref="TestKitBase.TestActor"/> that is the implicit
/// sender of <c>Tell(message)</c> from the test body, and shuts the system down on <see cref="Dispose()"/>.
/// Pass an <see cref="ITestOutputHelper"/> to see the kernel's log in the test output.
/// </summary>
public abstract class TestKit : TestKitBase, IDisposable
{
    private static int s_testActorCounter;
    private static int s_probeCounter;
    private bool _disposed;

    /// <summary>Creates a test kit with a new system.</summary>
    /// <param name="settings">System settings (the test keys <c>TestSingleExpectDefault</c>, <c>TestTimeFactor</c> apply).</param>
    /// <param name="systemName">Name of the system.</param>
    /// <param name="output">xunit output for the kernel's log, if wanted.</param>
    protected TestKit(ActorSystemSettings? settings = null, string systemName = "test", ITestOutputHelper? output = null)
        : this(CreateSystem(settings, systemName, output))
    {
    }

    /// <summary>Creates a test kit around an existing system (it is still terminated on dispose).</summary>
    protected TestKit(ActorSystem system)
        : base(system ?? throw new ArgumentNullException(nameof(system)), "testActor" + Interlocked.Increment(ref s_testActorCounter))
    {
        ActorCell.SetFallbackSender(TestActor);
    }

    /// <summary>Creates a top-level actor.</summary>
    public IActorRef ActorOf(Props props, string? name = null) => Sys.ActorOf(props, name);

    /// <summary>Creates a top-level actor of a type with a parameterless constructor.</summary>
    public IActorRef ActorOf<TActor>(string? name = null) where TActor : ActorBase, new() => Sys.ActorOf<TActor>(name);

    /// <summary>Creates a probe: an extra test actor with its own expectations.</summary>
    public TestProbe CreateTestProbe(string? name = null)
        => new(Sys, name ?? "testProbe-" + Interlocked.Increment(ref s_probeCounter));

    /// <summary>Terminates the system, waiting up to <paramref name="duration"/> (default min(5 s × time factor, 10 s)).</summary>
    /// <param name="duration">How long to wait.</param>
    /// <param name="verifySystemShutdown">Throw <see cref="TimeoutException"/> when the system did not stop in time.</param>
    public void Shutdown(TimeSpan? duration = null, bool verifySystemShutdown = false)
    {
        var wait = duration ?? TimeSpan.FromTicks(Math.Min(Dilated(Sys.Settings.TestDefaultTimeout).Ticks, TimeSpan.FromSeconds(10).Ticks));
        var stopped = Sys.Terminate().Wait(wait);
        if (!stopped && verifySystemShutdown)
            throw new TimeoutException($"actor system {Sys.Name} did not terminate within {wait.TotalMilliseconds:F0} ms; live actors: {string.Join(", ", Sys.LiveActorPaths())}");
    }

    /// <summary>Runs before the system is shut down on dispose.</summary>
    protected virtual void AfterAll() { }

    /// <summary>Shuts the system down.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Shuts the system down (once).</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (_disposed || !disposing)
            return;
        _disposed = true;
        try
        {
            AfterAll();
        }
        finally
        {
            Shutdown();
        }
    }

    private static ActorSystem CreateSystem(ActorSystemSettings? settings, string name, ITestOutputHelper? output)
    {
        settings ??= ActorSystemSettings.Default;
        if (output is not null)
            settings = settings with { LoggerFactory = new TestOutputLoggerFactory(output) };
        return ActorSystem.Create(name, settings);
    }
}
