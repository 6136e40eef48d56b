using IrohActors.Actors.Internal;

namespace IrohActors.Actors.Pattern;

/// <summary>When the backoff supervisor restarts its child.</summary>
public enum BackoffMode
{
    /// <summary>Restart after the child stops for any reason (Akka's <c>Backoff.OnStop</c>).</summary>
    OnStop,

    /// <summary>Restart after the child fails; a child that stops by itself stops the supervisor too (<c>Backoff.OnFailure</c>).</summary>
    OnFailure,
}

/// <summary>Options of a <see cref="BackoffSupervisor"/>.</summary>
/// <param name="ChildProps">Props of the child.</param>
/// <param name="ChildName">Name of the child.</param>
/// <param name="MinBackoff">Delay before the first restart.</param>
/// <param name="MaxBackoff">Largest delay (before the random factor).</param>
/// <param name="RandomFactor">Jitter: each delay is multiplied by 1 + random[0, 1) × factor.</param>
/// <param name="Mode">When to restart.</param>
/// <param name="MaxNrOfRetries">Restarts before the supervisor gives up and stops itself; -1 = unlimited.</param>
/// <param name="ResetBackoff">A child that ran this long resets the restart count; null = <paramref name="MinBackoff"/>.</param>
public sealed record BackoffOptions(
    Props ChildProps, string ChildName, TimeSpan MinBackoff, TimeSpan MaxBackoff, double RandomFactor,
    BackoffMode Mode = BackoffMode.OnStop, int MaxNrOfRetries = -1, TimeSpan? ResetBackoff = null)
{
    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(ChildProps);
        ActorCell.ValidateName(ChildName, allowReserved: false);
        if (MinBackoff <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(MinBackoff), MinBackoff, "must be positive");
        if (MaxBackoff < MinBackoff)
            throw new ArgumentOutOfRangeException(nameof(MaxBackoff), MaxBackoff, $"must be at least MinBackoff ({MinBackoff})");
        if (RandomFactor is < 0 or > 1 || double.IsNaN(RandomFactor))
            throw new ArgumentOutOfRangeException(nameof(RandomFactor), RandomFactor, "must be within [0, 1]");
    }
}

/// <summary>
/// Runs one child and restarts it after an exponentially growing delay when it stops (or fails):
/// <c>delay = min(max, min × 2^restartCount) × (1 + random[0,1) × randomFactor)</c>. Messages sent to the supervisor
/// are forwarded to the current child (to dead letters while there is none).
/// </summary>
public sealed class BackoffSupervisor : ActorBase
{
    private readonly BackoffOptions _options;
    private IActorRef? _child;
    private int _restartCount;
    private bool _childFailed;

    /// <summary>Asks for the current child; the reply is <see cref="CurrentChild"/>.</summary>
    public sealed record GetCurrentChild
    {
        /// <summary>The instance.</summary>
        public static GetCurrentChild Instance { get; } = new();
    }

    /// <summary>The current child (null while it is being restarted).</summary>
    public sealed record CurrentChild(IActorRef? Ref);

    /// <summary>Asks for the restart count; the reply is <see cref="RestartCount"/>.</summary>
    public sealed record GetRestartCount
    {
        /// <summary>The instance.</summary>
        public static GetRestartCount Instance { get; } = new();
    }

    /// <summary>Number of restarts since the last reset.</summary>
    public sealed record RestartCount(int Count);

    /// <summary>Resets the restart count (the next delay is the minimum again).</summary>
    public sealed record Reset
    {
        /// <summary>The instance.</summary>
        public static Reset Instance { get; } = new();
    }

    private sealed record StartChild;
    private sealed record ResetRestartCount(int Current);

    /// <summary>Creates the supervisor (use <see cref="Props(BackoffOptions)"/>).</summary>
    public BackoffSupervisor(BackoffOptions options)
    {
        options.Validate();
        _options = options;
    }

    /// <summary>Props of a backoff supervisor.</summary>
    public static Props Props(BackoffOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return Actors.Props.Create(() => new BackoffSupervisor(options));
    }

    /// <summary>Props of a backoff supervisor restarting when the child stops.</summary>
    public static Props Props(Props childProps, string childName, TimeSpan minBackoff, TimeSpan maxBackoff, double randomFactor, int maxNrOfRetries = -1)
        => Props(new BackoffOptions(childProps, childName, minBackoff, maxBackoff, randomFactor, BackoffMode.OnStop, maxNrOfRetries));

    /// <summary>Akka's <c>BackoffSupervisorBase.CalculateDelay</c>; <paramref name="random"/> is a sample of [0, 1).</summary>
    public static TimeSpan CalculateDelay(int restartCount, TimeSpan minBackoff, TimeSpan maxBackoff, double randomFactor, double random)
    {
        var rnd = 1.0 + random * randomFactor;
        var exponential = restartCount >= 30 ? maxBackoff.TotalMilliseconds : minBackoff.TotalMilliseconds * Math.Pow(2, restartCount);
        var capped = Math.Min(maxBackoff.TotalMilliseconds, exponential);
        return TimeSpan.FromMilliseconds(capped * rnd);
    }

    /// <inheritdoc />
    protected override void PreStart() => StartTheChild();

    /// <inheritdoc />
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(ex =>
    {
        _childFailed = true;
        return _options.Mode == BackoffMode.OnFailure ? Directive.Stop : Actors.SupervisorStrategy.DefaultDecider(ex);
    });

    /// <inheritdoc />
    protected override bool Receive(object message)
    {
        switch (message)
        {
            case StartChild:
                StartTheChild();
                return true;
            case Terminated t when t.ActorRef.Equals(_child):
                OnChildStopped();
                return true;
            case ResetRestartCount r:
                if (r.Current == _restartCount)
                    _restartCount = 0;
                return true;
            case Reset:
                _restartCount = 0;
                return true;
            case GetRestartCount:
                Sender.Tell(new RestartCount(_restartCount), Self);
                return true;
            case GetCurrentChild:
                Sender.Tell(new CurrentChild(_child), Self);
                return true;
            default:
                if (_child is not null)
                    _child.Tell(message, Sender);
                else
                    Context.System.DeadLetters.Tell(message, Sender);
                return true;
        }
    }

    private void StartTheChild()
    {
        _childFailed = false;
        _child = Context.Watch(Context.ActorOf(_options.ChildProps, _options.ChildName));
        Context.System.Scheduler.ScheduleTellOnce(_options.ResetBackoff ?? _options.MinBackoff, Self, new ResetRestartCount(_restartCount), Self);
    }

    private void OnChildStopped()
    {
        _child = null;
        if (_options.Mode == BackoffMode.OnFailure && !_childFailed)
        {
            Context.Stop(Self);
            return;
        }
        if (_options.MaxNrOfRetries >= 0 && _restartCount >= _options.MaxNrOfRetries)
        {
            Context.Stop(Self);
            return;
        }
        var delay = CalculateDelay(_restartCount, _options.MinBackoff, _options.MaxBackoff, _options.RandomFactor, Random.Shared.NextDouble());
        _restartCount++;
        Context.System.Scheduler.ScheduleTellOnce(delay, Self, new StartChild(), Self);
    }
}
