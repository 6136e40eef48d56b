using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IrohActors.Actors;

/// <summary>
/// Plain settings of an <see cref="ActorSystem"/>. Each property names the Akka configuration key it stands for,
/// so a HOCON <c>akka.*</c> section can be mapped onto it one to one (see docs/actors.md).
/// </summary>
public sealed record ActorSystemSettings
{
    /// <summary>The defaults of Akka's <c>reference.conf</c> (where the kernel has the setting).</summary>
    public static ActorSystemSettings Default { get; } = new();

    /// <summary><c>akka.actor.default-dispatcher.throughput</c>: user messages one actor processes per turn before
    /// it yields its thread to other actors (fairness). Default 30.</summary>
    public int Throughput { get; init; } = 30;

    /// <summary><c>akka.actor.default-mailbox</c>: mailbox of actors whose <see cref="Props"/> name none.
    /// Default unbounded.</summary>
    public MailboxSettings DefaultMailbox { get; init; } = MailboxSettings.Unbounded;

    /// <summary><c>akka.actor.default-mailbox.stash-capacity</c>: largest stash per actor; -1 = unbounded.</summary>
    public int StashCapacity { get; init; } = -1;

    /// <summary><c>akka.actor.ask-timeout</c>: timeout of an Ask that names none. Akka's default is infinite
    /// (<see cref="Timeout.InfiniteTimeSpan"/>).</summary>
    public TimeSpan AskTimeout { get; init; } = Timeout.InfiniteTimeSpan;

    /// <summary><c>akka.actor.guardian-supervisor-strategy</c>: how <c>/user</c> supervises top-level actors.
    /// Null = <see cref="SupervisorStrategy.DefaultStrategy"/>. An Escalate from a top-level actor stops it.</summary>
    public SupervisorStrategy? GuardianSupervisorStrategy { get; init; }

    /// <summary><c>akka.coordinated-shutdown.default-phase-timeout</c>: how long each of the two phases of
    /// <see cref="CoordinatedShutdown.Run"/> (registered tasks, then actors) may take before it gives up and reports. Default 10 s.</summary>
    public TimeSpan CoordinatedShutdownTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary><c>akka.log-dead-letters</c>: how many dead letters are logged (0 = off). Default 10.
    /// All of them are still counted and published.</summary>
    public int LogDeadLetters { get; init; } = 10;

    /// <summary><c>akka.log-dead-letters-during-shutdown</c>: whether dead letters are logged while the system stops.</summary>
    public bool LogDeadLettersDuringShutdown { get; init; }

    /// <summary><c>akka.test.single-expect-default</c>: test kit timeout of an expectation that names none (3 s).</summary>
    public TimeSpan TestSingleExpectDefault { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary><c>akka.test.timefactor</c>: test kit factor applied to every timeout (1.0). The test kit also multiplies
    /// it by the environment variable <c>IROH_TEST_TIMEFACTOR</c> when that is set.</summary>
    public double TestTimeFactor { get; init; } = 1.0;

    /// <summary><c>akka.test.default-timeout</c>: test kit timeout for Ask and system shutdown (5 s).</summary>
    public TimeSpan TestDefaultTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary><c>akka.loggers</c> / <c>akka.loglevel</c> stand-in: where the kernel logs failures and dead letters.</summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    internal void Validate()
    {
        if (Throughput < 1)
            throw new ArgumentOutOfRangeException(nameof(Throughput), Throughput, "throughput must be at least 1");
        if (AskTimeout <= TimeSpan.Zero && AskTimeout != Timeout.InfiniteTimeSpan)
            throw new ArgumentOutOfRangeException(nameof(AskTimeout), AskTimeout, "ask-timeout must be positive or infinite");
        if (CoordinatedShutdownTimeout <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(CoordinatedShutdownTimeout), CoordinatedShutdownTimeout, "must be positive");
        if (TestTimeFactor <= 0)
            throw new ArgumentOutOfRangeException(nameof(TestTimeFactor), TestTimeFactor, "timefactor must be positive");
    }
}
