namespace IrohActors.Actors;

/// <summary>Marks an actor that uses keyed timers; the kernel sets <see cref="Timers"/> before the constructor body runs.</summary>
public interface IWithTimers
{
    /// <summary>The actor's timers.</summary>
    ITimerScheduler Timers { get; set; }
}

/// <summary>
/// Keyed timers of one actor (use only on the actor's turn). One timer per key: starting a key again replaces the old
/// timer, and a message of a replaced or cancelled timer is never received, even if it is already in the mailbox.
/// Timers are cancelled when the actor restarts or stops.
/// </summary>
public interface ITimerScheduler
{
    /// <summary>Sends <paramref name="message"/> to the actor once after <paramref name="timeout"/>.</summary>
    void StartSingleTimer(object key, object message, TimeSpan timeout, IActorRef? sender = null);

    /// <summary>Sends <paramref name="message"/> every <paramref name="interval"/>, the first time after one interval.</summary>
    void StartPeriodicTimer(object key, object message, TimeSpan interval, IActorRef? sender = null);

    /// <summary>Sends <paramref name="message"/> after <paramref name="initialDelay"/> and then every <paramref name="interval"/>.</summary>
    void StartPeriodicTimer(object key, object message, TimeSpan initialDelay, TimeSpan interval, IActorRef? sender = null);

    /// <summary>True when a timer of that key is running (a single timer stops being active once its message is received).</summary>
    bool IsTimerActive(object key);

    /// <summary>Keys of the running timers.</summary>
    IReadOnlyCollection<object> ActiveTimers { get; }

    /// <summary>Cancels the timer of that key (if any).</summary>
    void Cancel(object key);

    /// <summary>Cancels every timer.</summary>
    void CancelAll();
}
