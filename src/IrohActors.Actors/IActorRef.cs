using IrohActors.Actors.Internal;

namespace IrohActors.Actors;

/// <summary>Something a message can be told to (Akka's <c>ICanTell</c>). Delivery is at most once.</summary>
public interface ICanTell
{
    /// <summary>Enqueues <paramref name="message"/> for the receiver; never blocks, never throws for a dead receiver
    /// (the message then goes to dead letters).</summary>
    /// <param name="message">The message (immutable data).</param>
    /// <param name="sender">Who the receiver sees as <c>Sender</c>; <see cref="ActorRefs.NoSender"/> for none.</param>
    void Tell(object message, IActorRef? sender);
}

/// <summary>Handle to an actor: stays the same across restarts of the actor, is safe to share between threads.</summary>
public interface IActorRef : ICanTell
{
    /// <summary>Where the actor lives, e.g. <c>/user/store/outboard</c>.</summary>
    ActorPath Path { get; }
}

/// <summary>The two well-known "no actor" values.</summary>
public static class ActorRefs
{
    /// <summary>No sender: a receiver sees the system's dead letters as <c>Sender</c>.</summary>
    public const IActorRef? NoSender = null;

    /// <summary>A reference to no actor: messages told to it are discarded, watching it yields <see cref="Terminated"/> at once.</summary>
    public static IActorRef Nobody { get; } = new NobodyActorRef();
}

/// <summary><c>Tell</c> and <c>Forward</c> with the sender taken from the actor that is running.</summary>
public static class ActorRefImplicitSenderExtensions
{
    /// <summary>Tells with the current actor's <c>Self</c> as sender (or the test kit's test actor, or no sender).</summary>
    public static void Tell(this ICanTell receiver, object message)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        receiver.Tell(message, ActorCell.ImplicitSender);
    }

    /// <summary>Tells with the sender of the message being processed kept, so the receiver replies to the original sender.</summary>
    public static void Forward(this ICanTell receiver, object message)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        var cell = ActorCell.Current
                   ?? throw new NotSupportedException("Forward is only possible inside an actor's message handler (no current actor on this thread)");
        receiver.Tell(message, cell.CurrentSender);
    }
}
