namespace IrohActors.Actors.Internal;

/// <summary>The temporary "actor" an Ask replies to: a task completion source with a path (no real actor, no mailbox).</summary>
internal sealed class FutureActorRef<T> : TaskCompletionSource<T>, IInternalActorRef
{
    private readonly ActorSystem? _system;
    private readonly ICanTell _target;
    private readonly TimeSpan _timeout;
    private readonly CancellationToken _cancellationToken;
    private CancellationTokenRegistration _registration;
    private Timer? _timer;
    private ActorPath? _path;
    private string _messageType = "";
    private int _done;

    public FutureActorRef(ActorSystem? system, ICanTell target, TimeSpan timeout, CancellationToken cancellationToken)
        : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        _system = system;
        _target = target;
        _timeout = timeout;
        _cancellationToken = cancellationToken;
    }

    public ActorPath Path => _path ??= _system?.NextTempPath() ?? ActorPath.Root("none").Child("temp");

    public bool IsTerminated => Volatile.Read(ref _done) != 0;

    public void Start(object message)
    {
        _messageType = message.GetType().Name;
        if (_cancellationToken.CanBeCanceled)
            _registration = _cancellationToken.Register(static s => ((FutureActorRef<T>)s!).OnCancelled(), this);
        if (_timeout != Timeout.InfiniteTimeSpan)
            _timer = new Timer(static s => ((FutureActorRef<T>)s!).OnTimeout(), this, _timeout, Timeout.InfiniteTimeSpan);
    }

    public void Tell(object message, IActorRef? sender)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!TryFinish())
        {
            _system?.DeadLetter(message, sender, this);
            return;
        }
        switch (message)
        {
            case Status.Failure failure:
                TrySetException(failure.Cause);
                break;
            case T reply:
                TrySetResult(reply);
                break;
            default:
                TrySetException(new ArgumentException(
                    $"Received message of type [{message.GetType().FullName}] from {sender?.Path.ToString() ?? "NoSender"} - Ask expected message of type [{typeof(T).FullName}] (asked {Describe()})"));
                break;
        }
    }

    public void SendSystemMessage(SystemMessage message)
    {
        if (message is Watch watch && IsTerminated)
            watch.Watcher.SendSystemMessage(new DeathWatchNotification(this, existenceConfirmed: true));
    }

    private void OnTimeout()
    {
        if (TryFinish())
            TrySetException(new AskTimeoutException($"Ask timed out on {Describe()} after {_timeout.TotalSeconds:F2} seconds"));
    }

    private void OnCancelled()
    {
        if (TryFinish())
            TrySetCanceled(_cancellationToken);
    }

    private bool TryFinish()
    {
        if (Interlocked.Exchange(ref _done, 1) != 0)
            return false;
        _timer?.Dispose();
        _registration.Dispose();
        return true;
    }

    private string Describe() => $"[{(_target as IActorRef)?.Path.ToString() ?? _target.ToString()}] with {_messageType}";

    public override string ToString() => $"Ask[{Path}]";
}
