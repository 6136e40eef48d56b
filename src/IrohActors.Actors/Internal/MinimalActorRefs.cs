namespace IrohActors.Actors.Internal;

/// <summary><c>/deadLetters</c>: publishes what it is told as dead letters.</summary>
internal sealed class DeadLetterActorRef(ActorSystem system, ActorPath path) : IInternalActorRef
{
    public ActorPath Path { get; } = path;
    public bool IsTerminated => false;

    public void Tell(object message, IActorRef? sender)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message is AllDeadLetters letter)
            system.PublishDeadLetter(letter);
        else
            system.DeadLetter(message, sender, this);
    }

    public void SendSystemMessage(SystemMessage message)
    {
        if (message is Watch watch)
            watch.Watcher.SendSystemMessage(new DeathWatchNotification(this, existenceConfirmed: false));
    }

    public override string ToString() => $"DeadLetters[{Path}]";
}

/// <summary><see cref="ActorRefs.Nobody"/>: discards messages; a watch on it reports <see cref="Terminated"/> at once.</summary>
internal sealed class NobodyActorRef : IInternalActorRef
{
    public ActorPath Path { get; } = ActorPath.Root("nobody").Child("Nobody");
    public bool IsTerminated => true;

    public void Tell(object message, IActorRef? sender) { }

    public void SendSystemMessage(SystemMessage message)
    {
        if (message is Watch watch)
            watch.Watcher.SendSystemMessage(new DeathWatchNotification(this, existenceConfirmed: false));
    }

    public override string ToString() => "Nobody";
}
