namespace IrohActors.Actors;

/// <summary>Behaviour of an actor: returns true when it handled the message.</summary>
public delegate bool Receive(object message);

/// <summary>What an actor sees of itself and its surroundings while it processes a message. Use it only on the
/// actor's own turn (inside handlers and lifecycle hooks), never from other threads.</summary>
public interface IActorContext
{
    /// <summary>This actor.</summary>
    IActorRef Self { get; }

    /// <summary>Sender of the message being processed; the system's dead letters when there is none.</summary>
    IActorRef Sender { get; }

    /// <summary>The supervising parent.</summary>
    IActorRef Parent { get; }

    /// <summary>The system the actor belongs to.</summary>
    ActorSystem System { get; }

    /// <summary>The recipe this actor was made from.</summary>
    Props Props { get; }

    /// <summary>The receive timeout, if set.</summary>
    TimeSpan? ReceiveTimeout { get; }

    /// <summary>Creates a child. Names must be unique among living siblings (else <see cref="InvalidActorNameException"/>);
    /// null gives a generated name <c>$a</c>, <c>$b</c>, ….</summary>
    IActorRef ActorOf(Props props, string? name = null);

    /// <summary>The living child of that name, or <see cref="ActorRefs.Nobody"/>.</summary>
    IActorRef Child(string name);

    /// <summary>The living children (a snapshot).</summary>
    IEnumerable<IActorRef> GetChildren();

    /// <summary>The living children (a snapshot); same as <see cref="GetChildren"/>.</summary>
    IReadOnlyList<IActorRef> Children { get; }

    /// <summary>Stops a child or this actor: the current message completes, then children stop, then <c>PostStop</c>.</summary>
    void Stop(IActorRef actor);

    /// <summary>Watches <paramref name="subject"/>: a <see cref="Terminated"/> arrives when it stops (at once when it is already dead).</summary>
    IActorRef Watch(IActorRef subject);

    /// <summary>Watches <paramref name="subject"/>, delivering <paramref name="message"/> instead of <see cref="Terminated"/>.</summary>
    IActorRef WatchWith(IActorRef subject, object message);

    /// <summary>Stops watching; a <see cref="Terminated"/> for it that is already queued is discarded.</summary>
    IActorRef Unwatch(IActorRef subject);

    /// <summary>Replaces the current behaviour.</summary>
    void Become(Receive receive);

    /// <summary>Pushes a behaviour; <see cref="UnbecomeStacked"/> returns to the previous one.</summary>
    void BecomeStacked(Receive receive);

    /// <summary>Pops the behaviour pushed last (never the initial one).</summary>
    void UnbecomeStacked();

    /// <summary>Sends <see cref="Actors.ReceiveTimeout"/> to this actor whenever no message arrived for
    /// <paramref name="timeout"/>; null turns it off.</summary>
    void SetReceiveTimeout(TimeSpan? timeout);
}
