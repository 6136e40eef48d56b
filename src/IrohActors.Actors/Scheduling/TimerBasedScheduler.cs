using System.Collections.Concurrent;

namespace IrohActors.Actors.Internal;

/// <summary>The scheduler on <see cref="System.Threading.Timer"/>; every pending item is disposed when the system stops.</summary>
internal sealed class TimerBasedScheduler : IScheduler, IDisposable
{
    private readonly ConcurrentDictionary<Scheduled, byte> _pending = new();
    private volatile bool _disposed;

    public ICancelable ScheduleTellOnce(TimeSpan delay, ICanTell receiver, object message, IActorRef? sender)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        ArgumentNullException.ThrowIfNull(message);
        return Start(delay, null, () => receiver.Tell(message, sender));
    }

    public ICancelable ScheduleTellRepeatedly(TimeSpan initialDelay, TimeSpan interval, ICanTell receiver, object message, IActorRef? sender)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        ArgumentNullException.ThrowIfNull(message);
        if (interval <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(interval), interval, "interval must be positive");
        return Start(initialDelay, interval, () => receiver.Tell(message, sender));
    }

    public ICancelable ScheduleOnce(TimeSpan delay, Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        return Start(delay, null, action);
    }

    private Scheduled Start(TimeSpan delay, TimeSpan? interval, Action action)
    {
        if (delay < TimeSpan.Zero)
            delay = TimeSpan.Zero;
        var item = new Scheduled(this, action, interval is not null);
        if (_disposed)
        {
            item.Cancel();
            return item;
        }
        _pending.TryAdd(item, 0);
        item.Arm(delay, interval ?? Timeout.InfiniteTimeSpan);
        return item;
    }

    public void Dispose()
    {
        _disposed = true;
        foreach (var item in _pending.Keys)
            item.Cancel();
    }

    private sealed class Scheduled(TimerBasedScheduler owner, Action action, bool repeated) : ICancelable
    {
        private Timer? _timer;
        private volatile bool _cancelled;

        public bool IsCancellationRequested => _cancelled;

        public void Arm(TimeSpan delay, TimeSpan period)
        {
            var timer = new Timer(static s => ((Scheduled)s!).Fire(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _timer = timer;
            timer.Change(delay, period);
            if (_cancelled)
                timer.Dispose();
        }

        private void Fire()
        {
            if (_cancelled)
                return;
            if (!repeated)
                Cancel();
            action();
        }

        public void Cancel()
        {
            _cancelled = true;
            _timer?.Dispose();
            owner._pending.TryRemove(this, out _);
        }
    }
}
