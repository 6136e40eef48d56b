namespace IrohActors.Actors;

/// <summary>Something scheduled that can be cancelled.</summary>
public interface ICancelable
{
    /// <summary>Cancels; a message not yet sent will not be sent.</summary>
    void Cancel();

    /// <summary>True once cancelled.</summary>
    bool IsCancellationRequested { get; }
}

/// <summary>The system's scheduler for delayed and repeated tells (prefer <see cref="IWithTimers"/> inside actors).</summary>
public interface IScheduler
{
    /// <summary>Tells <paramref name="message"/> to <paramref name="receiver"/> once after <paramref name="delay"/>.</summary>
    ICancelable ScheduleTellOnce(TimeSpan delay, ICanTell receiver, object message, IActorRef? sender);

    /// <summary>Tells after <paramref name="initialDelay"/> and then every <paramref name="interval"/> until cancelled.</summary>
    ICancelable ScheduleTellRepeatedly(TimeSpan initialDelay, TimeSpan interval, ICanTell receiver, object message, IActorRef? sender);

    /// <summary>Runs <paramref name="action"/> once after <paramref name="delay"/> on the thread pool.</summary>
    ICancelable ScheduleOnce(TimeSpan delay, Action action);
}
