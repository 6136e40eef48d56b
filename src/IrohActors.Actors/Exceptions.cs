namespace IrohActors.Actors;

/// <summary>Base of the kernel's exceptions.</summary>
public class ActorsException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ActorsException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>An actor's constructor, <c>PreStart</c> or restart hooks threw; the default strategy stops such an actor.</summary>
public sealed class ActorInitializationException : ActorsException
{
    /// <summary>Creates the exception.</summary>
    public ActorInitializationException(IActorRef? actor, string message, Exception? inner = null)
        : base(actor is null ? message : $"{actor.Path}: {message}", inner) => Actor = actor;

    /// <summary>The actor that failed to start, if known.</summary>
    public IActorRef? Actor { get; }
}

/// <summary>Thrown inside an actor that processes <see cref="Kill"/>.</summary>
public sealed class ActorKilledException(string message) : ActorsException(message);

/// <summary>An actor received a <see cref="Terminated"/> it did not handle.</summary>
public sealed class DeathPactException(IActorRef deadActor)
    : ActorsException($"Monitored actor [{deadActor.Path}] terminated and the Terminated message was not handled")
{
    /// <summary>The watched actor that stopped.</summary>
    public IActorRef DeadActor { get; } = deadActor;
}

/// <summary>An actor name is invalid or not unique among its siblings.</summary>
public sealed class InvalidActorNameException(string message) : ActorsException(message);

/// <summary>An Ask got no reply within its timeout.</summary>
public sealed class AskTimeoutException(string message) : ActorsException(message);

/// <summary>An actor API was used in a state where it is not allowed (e.g. stashing the same message twice).</summary>
public sealed class IllegalActorStateException(string message) : ActorsException(message);

/// <summary>A bounded stash is full.</summary>
public sealed class StashOverflowException(string message) : ActorsException(message);

/// <summary>Told to the sender of a message that a full bounded mailbox with <see cref="MailboxOverflowPolicy.FailSender"/> refused.</summary>
public sealed class MailboxOverflowException(string message) : ActorsException(message);
