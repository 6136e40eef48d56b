using Microsoft.Extensions.Logging;

namespace IrohActors.Actors.Internal;

/// <summary>
/// The kernel's view of one actor: its mailbox, current instance, behaviour stack, children, watches and
/// supervision state. Everything except the children table and the mailbox is touched only on the actor's turn
/// (one thread at a time, guaranteed by the mailbox's scheduled flag).
/// </summary>
internal sealed partial class ActorCell : IActorContext
{
    [ThreadStatic] private static ActorCell? t_current;
    [ThreadStatic] private static ActorCell? t_constructing;
    private static readonly AsyncLocal<IActorRef?> s_fallbackSender = new();

    private readonly ActorSystem _system;
    private readonly ActorCell? _parent;
    private readonly int _throughput;
    private ActorBase? _actor;
    private readonly List<Receive> _behaviors = new(2);
    private Receive? _behavior;
    private Envelope _current;
    private bool _currentStashed;
    private bool _created;
    private bool _failed;
    private bool _asyncPending;
    private bool _terminating;
    private volatile bool _terminated;
    private object? _failedMessage;
    private TimerScheduler? _timers;
    private StashImpl? _stash;
    private TimerScheduler? _receiveTimeoutTimer;
    private TimeSpan? _receiveTimeout;
    private Task? _pendingTask;
    private ActorSynchronizationContext? _syncContext;

    public ActorCell(ActorSystem system, ActorCell? parent, Props props, ActorPath path, long uid)
    {
        _system = system;
        _parent = parent;
        Props = props;
        _throughput = system.Settings.Throughput;
        Mailbox = new Mailbox(props.Mailbox ?? system.Settings.DefaultMailbox);
        Mailbox.Attach(this);
        Self = new LocalActorRef(this, path, uid);
    }

    /// <summary>The actor cell whose turn is running on this thread, if any.</summary>
    public static ActorCell? Current => t_current;

    /// <summary>Sender used by <c>Tell(message)</c>: the running actor, else the test kit's test actor of this flow.</summary>
    public static IActorRef? ImplicitSender => t_current?.Self ?? s_fallbackSender.Value;

    /// <summary>Sets the implicit sender for code outside actors (the test kit's test actor); flows with async calls.</summary>
    public static void SetFallbackSender(IActorRef? sender) => s_fallbackSender.Value = sender;

    public static ActorCell? TakeConstructingCell()
    {
        var cell = t_constructing;
        t_constructing = null; // a second `new` inside the constructor is caught
        return cell;
    }

    public Mailbox Mailbox { get; }
    public LocalActorRef Self { get; }
    IActorRef IActorContext.Self => Self;
    public Props Props { get; }
    public ActorSystem System => _system;
    public IActorRef Parent => (IActorRef?)_parent?.Self ?? ActorRefs.Nobody;
    public ActorCell? ParentCell => _parent;
    public bool IsTerminated => _terminated;
    public IActorRef? CurrentSender => _current.Sender;
    public IActorRef Sender => _current.Sender ?? _system.DeadLetters;
    public TimeSpan? ReceiveTimeout => _receiveTimeout;
    public ILogger Log => _system.Log;

    public bool CanProcessUserMessages => _created && !_failed && !_asyncPending && !_terminating && !_recreatePending;

    public ITimerScheduler Timers => _timers ??= new TimerScheduler(this);

    public IStash Stash => _stash ??= new StashImpl(this, Props.StashCapacity ?? _system.Settings.StashCapacity);

    // ---------------------------------------------------------------- the turn

    /// <summary>One turn: all system messages, then up to <c>throughput</c> user messages (system messages first between each).</summary>
    public void Run()
    {
        var previous = t_current;
        t_current = this;
        try
        {
            ProcessSystemMessages();
            for (var left = _throughput; left > 0 && CanProcessUserMessages; left--)
            {
                if (!Mailbox.TryDequeueUser(out var envelope))
                    break;
                Invoke(envelope);
                if (Mailbox.HasSystemMessages)
                    ProcessSystemMessages();
            }
        }
        finally
        {
            t_current = previous;
        }
    }

    private void ProcessSystemMessages()
    {
        while (Mailbox.TryDequeueSystem(out var message))
        {
            if (_terminated)
            {
                SystemMessageWhenDead(message);
                continue;
            }
            try
            {
                HandleSystemMessage(message);
            }
            catch (Exception ex)
            {
                Log.LogError(ex, "{Path}: error while handling system message {Message}", Self.Path, message.GetType().Name);
            }
        }
    }

    private void HandleSystemMessage(SystemMessage message)
    {
        switch (message)
        {
            case Create: HandleCreate(); break;
            case Terminate: HandleTerminate(); break;
            case Watch w: HandleWatch(w.Watcher); break;
            case Unwatch u: _watchedBy?.Remove(u.Watcher); break;
            case DeathWatchNotification n: HandleDeathWatchNotification(n); break;
            case Failed f: HandleFailed(f.Child, f.Cause); break;
            case Resume: HandleResume(); break;
            case Recreate r: HandleRecreate(r.Cause); break;
            case ChildTerminated c: HandleChildTerminated(c.Child); break;
            case RunContinuation rc: RunContinuationOnTurn(rc); break;
            case AsyncHandlerCompleted done: HandleAsyncCompleted(done.Task); break;
        }
    }

    /// <summary>Handles a system message that reaches a stopped actor (any thread): watchers learn it is dead.</summary>
    public void SystemMessageWhenDead(SystemMessage message)
    {
        switch (message)
        {
            case Watch w:
                w.Watcher.SendSystemMessage(new DeathWatchNotification(Self, existenceConfirmed: true));
                break;
            case Failed f:
                // A child that failed while we stopped: it stops with us.
                f.Child.Mailbox.PostSystem(Internal.Terminate.Instance);
                break;
        }
    }

    private void Invoke(Envelope envelope)
    {
        _current = envelope;
        _currentStashed = false;
        var message = envelope.Message;
        try
        {
            if (message is IAutoReceivedMessage or TimerMessage)
            {
                switch (message)
                {
                    case TimerMessage timer:
                        if (!AcceptTimer(timer))
                            return;
                        message = timer.Message;
                        _current = new Envelope(message, envelope.Sender);
                        break;
                    case PoisonPill:
                        HandleTerminate();
                        return;
                    case Kill:
                        throw new ActorKilledException($"Kill message received by {Self.Path}");
                    case Terminated terminated:
                        if (!(_terminatedQueued?.Remove(terminated.ActorRef) ?? false) && (_discardTerminated?.Remove(terminated.ActorRef) ?? false))
                            return; // unwatched after it was queued
                        break;
                }
            }
            if (!_behavior!(message))
                _actor!.InvokeUnhandled(message);
        }
        catch (Exception ex)
        {
            HandleInvokeFailure(ex, message);
        }
        finally
        {
            if (!_asyncPending)
                _current = default;
            if (_receiveTimeout is not null && message is not INotInfluenceReceiveTimeout && !_terminating)
                RestartReceiveTimeout();
        }
    }

    // ---------------------------------------------------------------- behaviour

    public void Become(Receive receive)
    {
        ArgumentNullException.ThrowIfNull(receive);
        if (_behaviors.Count > 1)
            _behaviors.RemoveAt(_behaviors.Count - 1);
        _behaviors.Add(receive);
        _behavior = receive;
    }

    public void BecomeStacked(Receive receive)
    {
        ArgumentNullException.ThrowIfNull(receive);
        _behaviors.Add(receive);
        _behavior = receive;
    }

    public void UnbecomeStacked()
    {
        if (_behaviors.Count > 1)
            _behaviors.RemoveAt(_behaviors.Count - 1);
        _behavior = _behaviors[^1];
    }

    // ---------------------------------------------------------------- creation

    private void HandleCreate()
    {
        try
        {
            NewActor();
            _created = true;
            _actor!.InvokePreStart();
        }
        catch (Exception ex)
        {
            _created = true;
            HandleInvokeFailure(ex as ActorInitializationException
                                ?? new ActorInitializationException(Self, $"exception during creation ({ex.GetType().Name}: {ex.Message})", ex), null);
        }
    }

    private void NewActor()
    {
        var previous = t_constructing;
        t_constructing = this;
        ActorBase instance;
        try
        {
            instance = Props.Factory();
        }
        finally
        {
            t_constructing = previous;
        }
        if (!ReferenceEquals(instance.Cell, this))
            throw new ActorInitializationException(Self, "the Props factory must return a new instance each time (it returned an existing actor)");
        instance.AfterConstruct();
        _actor = instance;
        _behaviors.Clear();
        Receive initial = instance.InvokeReceive;
        _behaviors.Add(initial);
        _behavior = initial;
    }

    // ---------------------------------------------------------------- async handlers

    /// <summary>Runs an async handler so that no other user message interleaves until its task completes;
    /// continuations come back as system messages and run on the actor's turn.</summary>
    public void RunTask(Func<Task> action)
    {
        if (!ReferenceEquals(t_current, this))
            throw new InvalidOperationException($"{Self.Path}: RunTask/ReceiveAsync can only run on the actor's own turn");
        var previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(_syncContext ??= new ActorSynchronizationContext(this));
        Task task;
        try
        {
            task = action();
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }
        if (task.IsCompleted)
        {
            task.GetAwaiter().GetResult(); // rethrows the handler's exception as-is
            return;
        }
        _asyncPending = true;
        _pendingTask = task;
        task.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(() => Mailbox.PostSystem(new AsyncHandlerCompleted(task)));
    }

    public void PostContinuation(SendOrPostCallback callback, object? state)
        => Mailbox.PostSystem(new RunContinuation(callback, state));

    private void RunContinuationOnTurn(RunContinuation continuation)
    {
        var previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(_syncContext);
        try
        {
            continuation.Callback(continuation.State);
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }
    }

    private void HandleAsyncCompleted(Task task)
    {
        if (!ReferenceEquals(task, _pendingTask))
            return; // from an instance that has been restarted or stopped since
        _pendingTask = null;
        _asyncPending = false;
        var message = _current.Message;
        if (task.IsFaulted || task.IsCanceled)
        {
            try
            {
                task.GetAwaiter().GetResult();
            }
            catch (Exception ex)
            {
                HandleInvokeFailure(ex, message);
            }
        }
        _current = default;
    }

    // ---------------------------------------------------------------- dead letters

    public void DeadLetter(in Envelope envelope) => _system.DeadLetter(envelope.Message, envelope.Sender, Self);

    public void Dropped(in Envelope envelope, string reason)
        => _system.PublishDeadLetter(new Dropped(UnwrapTimer(envelope.Message), reason, envelope.Sender, Self));

    private static object UnwrapTimer(object message) => message is TimerMessage timer ? timer.Message : message;

    public override string ToString() => $"ActorCell[{Self.Path}]";
}

internal sealed partial class ActorCell
{
    /// <summary>Marks the current message as stashed and returns it (the stash calls this).</summary>
    public Envelope StashCurrentMessage()
    {
        if (_current.Message is null)
            throw new IllegalActorStateException($"{Self.Path}: there is no current message to stash");
        if (_currentStashed)
            throw new IllegalActorStateException($"{Self.Path}: cannot stash the same message twice ({_current.Message})");
        _currentStashed = true;
        return _current;
    }
}
