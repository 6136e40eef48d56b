namespace IrohActors.Bao;

/// <summary>
/// A piece of CPU work split into units that any thread claims one at a time until none is left: background
/// helpers (queued when the round starts) and the thread that later calls <see cref="Wait"/>, which helps first.
/// With small units no core idles while work is left, however the threads are scheduled on a busy machine.
/// </summary>
internal sealed class WorkRound
{
    private readonly int _units;
    private readonly Action<int> _work;
    private readonly ManualResetEventSlim _done;
    private int _next = -1;
    private int _remaining;
    private Exception? _error;

    private WorkRound(int units, Action<int> work)
    {
        _units = units;
        _work = work;
        _remaining = units;
        _done = new ManualResetEventSlim(units == 0);
    }

    /// <summary>Starts <paramref name="units"/> calls of <paramref name="work"/> (unit index) on <paramref name="helpers"/> pool threads.</summary>
    public static WorkRound Start(int units, Action<int> work, int helpers)
    {
        var round = new WorkRound(units, work);
        for (var i = 0; i < Math.Min(helpers, units); i++)
            ThreadPool.UnsafeQueueUserWorkItem(static r => r.Help(), round, preferLocal: false);
        return round;
    }

    /// <summary>Helpers for a round on this machine: one per core besides the calling thread (at least one).</summary>
    public static int DefaultHelpers => Math.Max(1, Environment.ProcessorCount - 1);

    /// <summary>Runs <paramref name="units"/> calls of <paramref name="work"/> on all cores and returns when all are done.</summary>
    public static void Run(int units, Action<int> work) => Start(units, work, units > 1 ? DefaultHelpers : 0).Wait();

    /// <summary>Does units until none is left to claim.</summary>
    public void Help()
    {
        while (true)
        {
            var unit = Interlocked.Increment(ref _next);
            if (unit >= _units)
                return;
            try
            {
                _work(unit);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _error, e, null);
            }
            if (Interlocked.Decrement(ref _remaining) == 0)
                _done.Set();
        }
    }

    /// <summary>Helps, then waits until every unit is done; rethrows the first unit's exception, if any.</summary>
    public void Wait()
    {
        Help();
        _done.Wait();
        if (_error is { } error)
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
    }

    /// <summary>Helps and waits, whatever the outcome (cleanup: the buffers the units use may be reused afterwards).</summary>
    public void WaitQuietly()
    {
        Help();
        _done.Wait();
    }
}
