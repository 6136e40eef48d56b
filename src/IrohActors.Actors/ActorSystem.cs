using IrohActors.Actors.Internal;
using Microsoft.Extensions.Logging;

namespace IrohActors.Actors;

/// <summary>
/// A named hierarchy of actors with its dispatcher (the .NET thread pool), scheduler, dead letters and event stream.
/// Top-level actors live under <c>/user</c>, kernel helpers under <c>/system</c>.
/// </summary>
public sealed class ActorSystem : IDisposable
{
    private readonly ActorCell _root;
    private readonly ActorCell _userGuardian;
    private readonly ActorCell _systemGuardian;
    private readonly TimerBasedScheduler _scheduler = new();
    private readonly TaskCompletionSource _terminated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<Action> _onTermination = [];
    private readonly Lazy<CoordinatedShutdown> _coordinatedShutdown;
    private long _uid;
    private long _deadLetterCount;
    private long _tempNames;
    private volatile bool _terminating;

    private ActorSystem(string name, ActorSystemSettings settings)
    {
        Name = name;
        Settings = settings;
        Log = settings.LoggerFactory.CreateLogger("IrohActors.Actors." + name);
        var rootPath = ActorPath.Root(name);
        DeadLetters = new DeadLetterActorRef(this, rootPath.Child("deadLetters"));
        TempPath = rootPath.Child("temp");
        _coordinatedShutdown = new Lazy<CoordinatedShutdown>(() => new CoordinatedShutdown(this));

        _root = new ActorCell(this, null, Props.Create(() => new RootGuardian()), rootPath, NextUid());
        _root.Mailbox.PostSystem(Internal.Create.Instance);
        var guardianStrategy = settings.GuardianSupervisorStrategy ?? SupervisorStrategy.DefaultStrategy;
        _userGuardian = _root.CreateChild(Props.Create(() => new GuardianActor(guardianStrategy)), "user", allowReservedName: false);
        _systemGuardian = _root.CreateChild(Props.Create(() => new GuardianActor(SupervisorStrategy.DefaultStrategy)), "system", allowReservedName: false);
        _root.Self.Tell(new RootGuardian.WatchGuardians(_userGuardian.Self, _systemGuardian.Self), null);
    }

    /// <summary>Creates and starts a system.</summary>
    /// <param name="name">System name: ASCII letters, digits, '-' and '_', starting with a letter or digit.</param>
    /// <param name="settings">Settings; null = <see cref="ActorSystemSettings.Default"/>.</param>
    public static ActorSystem Create(string name, ActorSystemSettings? settings = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (!(char.IsAsciiLetterOrDigit(c) || (i > 0 && (c == '-' || c == '_'))))
                throw new ArgumentException($"invalid actor system name \"{name}\": character '{c}' at index {i} (use ASCII letters, digits, '-', '_')", nameof(name));
        }
        settings ??= ActorSystemSettings.Default;
        settings.Validate();
        return new ActorSystem(name, settings);
    }

    /// <summary>The system's name.</summary>
    public string Name { get; }

    /// <summary>The settings it was created with.</summary>
    public ActorSystemSettings Settings { get; }

    /// <summary>Where the kernel logs failures and dead letters.</summary>
    public ILogger Log { get; }

    /// <summary><c>/deadLetters</c>: undeliverable messages end here and are published as <see cref="DeadLetter"/>.</summary>
    public IActorRef DeadLetters { get; }

    /// <summary>Publish/subscribe by type; dead letters are published here.</summary>
    public EventStream EventStream { get; } = new();

    /// <summary>Delayed and repeated tells.</summary>
    public IScheduler Scheduler => _scheduler;

    /// <summary>Number of dead letters so far (<see cref="DeadLetter"/> and <see cref="Dropped"/>; suppressed ones not counted).</summary>
    public long DeadLetterCount => Interlocked.Read(ref _deadLetterCount);

    /// <summary>Stops the whole system with a timeout, reporting what did not stop.</summary>
    public CoordinatedShutdown CoordinatedShutdown => _coordinatedShutdown.Value;

    /// <summary>Completes when every actor has stopped (or coordinated shutdown gave up waiting).</summary>
    public Task WhenTerminated => _terminated.Task;

    /// <summary>True once termination has begun.</summary>
    public bool IsTerminating => _terminating;

    internal ActorPath TempPath { get; }

    /// <summary>Creates a top-level actor under <c>/user</c>; null name gives <c>$a</c>, <c>$b</c>, ….</summary>
    public IActorRef ActorOf(Props props, string? name = null)
    {
        if (_terminating)
            throw new InvalidOperationException($"actor system {Name} is terminating; cannot create {name ?? "an actor"}");
        return _userGuardian.CreateChild(props, name, allowReservedName: false).Self;
    }

    /// <summary>Creates a top-level actor of a type with a parameterless constructor.</summary>
    public IActorRef ActorOf<TActor>(string? name = null) where TActor : ActorBase, new() => ActorOf(Props.Create<TActor>(), name);

    /// <summary>Creates an actor under <c>/system</c> (for kernel helpers and the test kit).</summary>
    public IActorRef SystemActorOf(Props props, string? name = null) => _systemGuardian.CreateChild(props, name, allowReservedName: false).Self;

    /// <summary>Stops an actor (a system message: it jumps the queue, the current message completes).</summary>
    public void Stop(IActorRef actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var target = ActorRefResolver.Resolve(actor);
        if (target is LocalActorRef { Cell.ParentCell: { } parent } local)
            parent.StopChild(local.Cell);
        else
            target?.SendSystemMessage(Internal.Terminate.Instance);
    }

    /// <summary>Stops every actor (children before parents) and then the system; returns <see cref="WhenTerminated"/>.
    /// It waits as long as it takes; use <see cref="CoordinatedShutdown"/> for a bounded wait.</summary>
    public Task Terminate()
    {
        _terminating = true;
        _root.StopChild(_userGuardian);
        return WhenTerminated;
    }

    /// <summary>Runs <paramref name="action"/> once the system has terminated (at once if it already has).</summary>
    public void RegisterOnTermination(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        lock (_onTermination)
        {
            if (!_terminated.Task.IsCompleted)
            {
                _onTermination.Add(action);
                return;
            }
        }
        action();
    }

    /// <summary>Terminates and waits up to <see cref="ActorSystemSettings.CoordinatedShutdownTimeout"/>.</summary>
    public void Dispose()
    {
        Terminate().Wait(Settings.CoordinatedShutdownTimeout);
    }

    /// <inheritdoc />
    public override string ToString() => $"ActorSystem[{Name}]";

    // ---------------------------------------------------------------- kernel internals

    internal long NextUid() => Interlocked.Increment(ref _uid);

    internal ActorPath NextTempPath() => TempPath.Child("$" + ActorCell.EncodeName(Interlocked.Increment(ref _tempNames) - 1));

    internal ActorCell UserGuardian => _userGuardian;

    internal ActorCell RootCell => _root;

    internal void DeadLetter(object message, IActorRef? sender, IActorRef recipient)
    {
        if (message is TimerMessage timer)
            message = timer.Message;
        if (message is AllDeadLetters)
            return; // never loop dead letters back into themselves
        PublishDeadLetter(message is IDeadLetterSuppression
            ? new SuppressedDeadLetter(message, sender, recipient)
            : new DeadLetter(message, sender, recipient));
    }

    internal void PublishDeadLetter(AllDeadLetters letter)
    {
        if (letter is not SuppressedDeadLetter)
        {
            var count = Interlocked.Increment(ref _deadLetterCount);
            var max = Settings.LogDeadLetters;
            if (count <= max && (!_terminating || Settings.LogDeadLettersDuringShutdown))
                Log.LogInformation("{Letter}{More}", letter, count == max ? " (no more dead letters will be logged)" : "");
        }
        EventStream.Publish(letter);
    }

    /// <summary>The root has stopped: every actor is gone.</summary>
    internal void OnRootStopped() => CompleteTermination();

    internal void CompleteTermination()
    {
        _terminating = true;
        _scheduler.Dispose();
        Action[] actions;
        lock (_onTermination)
        {
            if (!_terminated.TrySetResult())
                return;
            actions = [.. _onTermination];
            _onTermination.Clear();
        }
        foreach (var action in actions)
        {
            try
            {
                action();
            }
            catch (Exception ex)
            {
                Log.LogError(ex, "{System}: termination callback threw", Name);
            }
        }
    }

    /// <summary>Paths of actors that have not stopped yet (guardians excluded), deepest first (for diagnostics).</summary>
    public IReadOnlyList<string> LiveActorPaths()
    {
        var result = new List<string>();
        void Walk(ActorCell cell, int depth)
        {
            foreach (var entry in cell.ChildEntries())
            {
                Walk(entry.Cell, depth + 1);
                if (!entry.Cell.IsTerminated)
                    result.Add(entry.Cell.Self.Path.ToString());
            }
        }
        Walk(_userGuardian, 0);
        Walk(_systemGuardian, 0);
        return result;
    }
}
