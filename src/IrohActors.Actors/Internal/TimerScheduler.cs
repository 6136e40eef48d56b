namespace IrohActors.Actors.Internal;

/// <summary>A timer's message on its way to the actor, stamped with the key's generation when it was started.</summary>
internal sealed class TimerMessage(object key, long generation, object message, TimerScheduler owner) : INotInfluenceReceiveTimeout
{
    public object Key { get; } = key;
    public long Generation { get; } = generation;
    public object Message { get; } = message;
    public TimerScheduler Owner { get; } = owner;

    public override string ToString() => $"Timer[{Key}#{Generation}]: {Message}";
}

/// <summary>Keyed timers of one actor cell; a generation number per start makes stale timer messages recognisable.</summary>
internal sealed class TimerScheduler(ActorCell cell) : ITimerScheduler
{
    private readonly Dictionary<object, Entry> _timers = new();
    private long _generation;

    private readonly record struct Entry(long Generation, ICancelable Cancelable, bool Periodic);

    public void StartSingleTimer(object key, object message, TimeSpan timeout, IActorRef? sender = null)
        => Start(key, message, timeout, null, sender);

    public void StartPeriodicTimer(object key, object message, TimeSpan interval, IActorRef? sender = null)
        => Start(key, message, interval, interval, sender);

    public void StartPeriodicTimer(object key, object message, TimeSpan initialDelay, TimeSpan interval, IActorRef? sender = null)
        => Start(key, message, initialDelay, interval, sender);

    public bool IsTimerActive(object key) => _timers.ContainsKey(key);

    public IReadOnlyCollection<object> ActiveTimers => [.. _timers.Keys];

    public void Cancel(object key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (_timers.Remove(key, out var entry))
            entry.Cancelable.Cancel();
    }

    public void CancelAll() => CancelAllInternal();

    internal void CancelAllInternal()
    {
        foreach (var entry in _timers.Values)
            entry.Cancelable.Cancel();
        _timers.Clear();
    }

    /// <summary>True when <paramref name="message"/> comes from the live generation of its key (a single timer then ends).</summary>
    public bool Accept(TimerMessage message)
    {
        if (!_timers.TryGetValue(message.Key, out var entry) || entry.Generation != message.Generation)
            return false;
        if (!entry.Periodic)
            _timers.Remove(message.Key);
        return true;
    }

    private void Start(object key, object message, TimeSpan delay, TimeSpan? interval, IActorRef? sender)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(message);
        if (interval is { } i && i <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(interval), interval, "a periodic timer needs a positive interval");
        Cancel(key);
        var generation = ++_generation;
        var wrapped = new TimerMessage(key, generation, message, this);
        var scheduler = cell.System.Scheduler;
        var cancelable = interval is { } period
            ? scheduler.ScheduleTellRepeatedly(delay, period, cell.Self, wrapped, sender)
            : scheduler.ScheduleTellOnce(delay, cell.Self, wrapped, sender);
        _timers[key] = new Entry(generation, cancelable, interval is not null);
    }
}
