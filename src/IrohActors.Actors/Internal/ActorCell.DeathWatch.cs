namespace IrohActors.Actors.Internal;

internal sealed partial class ActorCell
{
    private Dictionary<IActorRef, object?>? _watching;      // whom we watch → custom message (null = Terminated)
    private HashSet<IInternalActorRef>? _watchedBy;        // who watches us
    private HashSet<IActorRef>? _terminatedQueued;          // Terminated messages in our mailbox not yet processed
    private HashSet<IActorRef>? _discardTerminated;         // queued Terminated messages of actors unwatched since

    public IActorRef Watch(IActorRef subject) => WatchCore(subject, null);

    public IActorRef WatchWith(IActorRef subject, object message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return WatchCore(subject, message);
    }

    private IActorRef WatchCore(IActorRef subject, object? customMessage)
    {
        ArgumentNullException.ThrowIfNull(subject);
        var target = ActorRefResolver.Resolve(subject)
                     ?? throw new NotSupportedException($"{Self.Path}: cannot watch {subject} (not a kernel actor reference)");
        if (target.Equals(Self))
            return subject;
        _watching ??= new Dictionary<IActorRef, object?>();
        if (_watching.TryAdd(target, customMessage))
            target.SendSystemMessage(new Watch(Self));
        else
            _watching[target] = customMessage;
        return subject;
    }

    public IActorRef Unwatch(IActorRef subject)
    {
        ArgumentNullException.ThrowIfNull(subject);
        var target = ActorRefResolver.Resolve(subject);
        if (target is null)
            return subject;
        if (_watching is not null && _watching.Remove(target))
            target.SendSystemMessage(new Unwatch(Self));
        if (_terminatedQueued is not null && _terminatedQueued.Remove(target))
            (_discardTerminated ??= new HashSet<IActorRef>()).Add(target);
        return subject;
    }

    private void HandleWatch(IInternalActorRef watcher)
    {
        if (watcher.Equals(Self))
            return;
        (_watchedBy ??= new HashSet<IInternalActorRef>()).Add(watcher);
    }

    private void HandleDeathWatchNotification(DeathWatchNotification notification)
    {
        if (_terminating || _watching is null || !_watching.Remove(notification.Actor, out var custom))
            return;
        if (custom is not null)
        {
            Mailbox.Post(new Envelope(custom, notification.Actor));
            return;
        }
        (_terminatedQueued ??= new HashSet<IActorRef>()).Add(notification.Actor);
        Mailbox.Post(new Envelope(new Terminated(notification.Actor, notification.ExistenceConfirmed), notification.Actor));
    }

    private void TellWatchersWeStopped()
    {
        if (_watchedBy is not null)
        {
            foreach (var watcher in _watchedBy)
                watcher.SendSystemMessage(new DeathWatchNotification(Self, existenceConfirmed: true));
            _watchedBy = null;
        }
        if (_watching is not null)
        {
            foreach (var watched in _watching.Keys)
                ActorRefResolver.Resolve(watched)?.SendSystemMessage(new Unwatch(Self));
            _watching = null;
        }
        _terminatedQueued = null;
        _discardTerminated = null;
    }
}
