using IrohActors.Actors.Internal;

namespace IrohActors.Actors;

/// <summary>How a parent handles failures of its children: a decider (exception → <see cref="Directive"/>) and a limit on
/// restarts within a time window. When a restart is not permitted, the child is stopped.</summary>
public abstract class SupervisorStrategy
{
    /// <summary>Creates a strategy.</summary>
    /// <param name="maxNrOfRetries">Restarts allowed (within the window if given); -1 = unlimited; 0 = never restart (stop).</param>
    /// <param name="withinTimeRange">The window; null = no window (the limit counts all restarts ever).</param>
    /// <param name="decider">Exception → directive.</param>
    protected SupervisorStrategy(int maxNrOfRetries, TimeSpan? withinTimeRange, Func<Exception, Directive> decider)
    {
        ArgumentNullException.ThrowIfNull(decider);
        if (maxNrOfRetries < -1)
            throw new ArgumentOutOfRangeException(nameof(maxNrOfRetries), maxNrOfRetries, "must be -1 (unlimited) or more");
        if (withinTimeRange is { } w && w <= TimeSpan.Zero && w != Timeout.InfiniteTimeSpan)
            throw new ArgumentOutOfRangeException(nameof(withinTimeRange), withinTimeRange, "must be positive (or null for no window)");
        MaxNumberOfRetries = maxNrOfRetries;
        WithinTimeRange = withinTimeRange == Timeout.InfiniteTimeSpan ? null : withinTimeRange;
        Decider = decider;
    }

    /// <summary>Exception → directive.</summary>
    public Func<Exception, Directive> Decider { get; }

    /// <summary>Restarts allowed (-1 = unlimited).</summary>
    public int MaxNumberOfRetries { get; }

    /// <summary>Window the restart limit applies to; null = all time.</summary>
    public TimeSpan? WithinTimeRange { get; }

    /// <summary>Akka's default decider: Stop on <see cref="ActorInitializationException"/>, <see cref="ActorKilledException"/>
    /// and <see cref="DeathPactException"/>; Restart on any other exception.</summary>
    public static Func<Exception, Directive> DefaultDecider { get; } = ex => ex switch
    {
        ActorInitializationException => Directive.Stop,
        ActorKilledException => Directive.Stop,
        DeathPactException => Directive.Stop,
        _ => Directive.Restart,
    };

    /// <summary>One-for-one with <see cref="DefaultDecider"/> and no restart limit.</summary>
    public static SupervisorStrategy DefaultStrategy { get; } = new OneForOneStrategy(DefaultDecider);

    /// <summary>One-for-one that stops any failing child.</summary>
    public static SupervisorStrategy StoppingStrategy { get; } = new OneForOneStrategy(_ => Directive.Stop);

    internal Directive Decide(Exception cause)
    {
        try
        {
            return Decider(cause);
        }
        catch (Exception)
        {
            return Directive.Escalate; // a throwing decider cannot decide; let the grandparent do it
        }
    }

    /// <summary>The children a directive applies to (the failed one, or all of them).</summary>
    internal abstract IEnumerable<ChildEntry> Targets(ActorCell parent, ChildEntry failed);

    /// <summary>Akka's <c>ChildRestartStats.RequestRestartPermission</c>.</summary>
    internal bool RequestRestartPermission(ChildEntry stats, long nowMs)
    {
        if (MaxNumberOfRetries == 0)
            return false;
        if (WithinTimeRange is not { } window)
            return MaxNumberOfRetries < 0 || ++stats.RestartCount <= MaxNumberOfRetries;
        var retries = MaxNumberOfRetries < 0 ? 1 : MaxNumberOfRetries;
        var retriesDone = stats.RestartCount + 1;
        var windowStart = stats.WindowStartTicks == 0 ? nowMs : stats.WindowStartTicks;
        if (nowMs - windowStart <= (long)window.TotalMilliseconds)
        {
            stats.WindowStartTicks = windowStart;
            if (retriesDone > retries)
                return false;
            stats.RestartCount = retriesDone;
            return true;
        }
        stats.RestartCount = 1;
        stats.WindowStartTicks = nowMs;
        return true;
    }
}

/// <summary>Applies the directive to the failed child only.</summary>
public sealed class OneForOneStrategy : SupervisorStrategy
{
    /// <summary>At most <paramref name="maxNrOfRetries"/> restarts within <paramref name="withinTimeRange"/>.</summary>
    public OneForOneStrategy(int? maxNrOfRetries, TimeSpan? withinTimeRange, Func<Exception, Directive> decider)
        : base(maxNrOfRetries ?? -1, withinTimeRange, decider) { }

    /// <summary>Unlimited restarts.</summary>
    public OneForOneStrategy(Func<Exception, Directive> decider) : base(-1, null, decider) { }

    internal override IEnumerable<ChildEntry> Targets(ActorCell parent, ChildEntry failed) => [failed];
}

/// <summary>Applies Restart and Stop to all children of the parent (Resume only to the failed one).</summary>
public sealed class AllForOneStrategy : SupervisorStrategy
{
    /// <summary>At most <paramref name="maxNrOfRetries"/> restarts within <paramref name="withinTimeRange"/>.</summary>
    public AllForOneStrategy(int? maxNrOfRetries, TimeSpan? withinTimeRange, Func<Exception, Directive> decider)
        : base(maxNrOfRetries ?? -1, withinTimeRange, decider) { }

    /// <summary>Unlimited restarts.</summary>
    public AllForOneStrategy(Func<Exception, Directive> decider) : base(-1, null, decider) { }

    internal override IEnumerable<ChildEntry> Targets(ActorCell parent, ChildEntry failed)
        => parent.ChildEntries().Where(e => !e.Stopping);
}
