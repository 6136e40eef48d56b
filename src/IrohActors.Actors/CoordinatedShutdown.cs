using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace IrohActors.Actors;

/// <summary>What a coordinated shutdown achieved.</summary>
/// <param name="Reason">Why it ran.</param>
/// <param name="Completed">True when every task finished and every actor stopped within the timeout.</param>
/// <param name="Elapsed">How long it took.</param>
/// <param name="NotStopped">Actor paths (deepest first) and task names (<c>task:name</c>) that had not finished at the timeout.</param>
public sealed record ShutdownReport(string Reason, bool Completed, TimeSpan Elapsed, IReadOnlyList<string> NotStopped)
{
    /// <inheritdoc />
    public override string ToString() => Completed
        ? $"shutdown ({Reason}) completed in {Elapsed.TotalMilliseconds:F0} ms"
        : $"shutdown ({Reason}) timed out after {Elapsed.TotalMilliseconds:F0} ms; not stopped: {string.Join(", ", NotStopped)}";
}

/// <summary>
/// Stops a whole system in two phases, each bounded by the phase timeout: first the registered tasks (e.g. "stop
/// accepting connections", run concurrently; their token is cancelled at the timeout), then every actor (children before
/// parents) and the system. What has not finished when a phase times out is named in the <see cref="ShutdownReport"/>
/// and the system is marked terminated anyway.
/// Running it again returns the same report.
/// </summary>
public sealed class CoordinatedShutdown
{
    private readonly ActorSystem _system;
    private readonly List<(string Name, Func<CancellationToken, Task> Task)> _tasks = [];
    private readonly object _lock = new();
    private Task<ShutdownReport>? _run;

    internal CoordinatedShutdown(ActorSystem system) => _system = system;

    /// <summary>Registers a task that runs before the actors are stopped; its token is cancelled when the phase times out.</summary>
    public void AddTask(string name, Func<CancellationToken, Task> task)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(task);
        lock (_lock)
        {
            if (_run is not null)
                throw new InvalidOperationException($"coordinated shutdown of {_system.Name} already started; cannot add task {name}");
            _tasks.Add((name, task));
        }
    }

    /// <summary>Runs the shutdown (once; later calls return the first run's report).</summary>
    /// <param name="reason">Why (for the log and report).</param>
    /// <param name="timeout">Limit of each phase; null = <see cref="ActorSystemSettings.CoordinatedShutdownTimeout"/>.</param>
    public Task<ShutdownReport> Run(string reason = "unknown", TimeSpan? timeout = null)
    {
        lock (_lock)
            return _run ??= RunCore(reason, timeout ?? _system.Settings.CoordinatedShutdownTimeout);
    }

    private async Task<ShutdownReport> RunCore(string reason, TimeSpan timeout)
    {
        await Task.Yield();
        var clock = Stopwatch.StartNew();
        using var cts = new CancellationTokenSource();
        var notStopped = new List<string>();

        // Phase 1: registered tasks, concurrently, for at most one phase timeout.
        var running = _tasks.Select(t => (t.Name, Task: SafeStart(t.Task, cts.Token))).ToList();
        var allTasks = Task.WhenAll(running.Select(r => r.Task));
        await Task.WhenAny(allTasks, Task.Delay(timeout)).ConfigureAwait(false);
        await cts.CancelAsync().ConfigureAwait(false);
        notStopped.AddRange(running.Where(r => !r.Task.IsCompleted).Select(r => "task:" + r.Name));

        // Phase 2: every actor, children before parents, for at most one phase timeout.
        var terminated = _system.Terminate();
        await Task.WhenAny(terminated, Task.Delay(timeout)).ConfigureAwait(false);
        if (!terminated.IsCompleted)
        {
            notStopped.AddRange(_system.LiveActorPaths());
            _system.CompleteTermination();
        }
        var report = new ShutdownReport(reason, notStopped.Count == 0, clock.Elapsed, notStopped);
        if (report.Completed)
            _system.Log.LogInformation("{System}: {Report}", _system.Name, report);
        else
            _system.Log.LogWarning("{System}: {Report}", _system.Name, report);
        return report;
    }

    private async Task SafeStart(Func<CancellationToken, Task> task, CancellationToken token)
    {
        try
        {
            await task(token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException || token.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            _system.Log.LogError(ex, "{System}: shutdown task failed", _system.Name);
        }
    }
}
