namespace IrohActors.Actors.Internal;

/// <summary>The one reference of a living (or dead) local actor; equality is identity of the actor incarnation.</summary>
internal sealed class LocalActorRef(ActorCell cell, ActorPath path, long uid) : IInternalActorRef
{
    public ActorCell Cell { get; } = cell;
    public ActorPath Path { get; } = path;
    public long Uid { get; } = uid;
    public bool IsTerminated => Cell.IsTerminated;

    public void Tell(object message, IActorRef? sender)
    {
        ArgumentNullException.ThrowIfNull(message);
        Cell.Mailbox.Post(new Envelope(message, sender));
    }

    public void SendSystemMessage(SystemMessage message) => Cell.Mailbox.PostSystem(message);

    public override bool Equals(object? obj) => obj is IActorRef other && ReferenceEquals(this, Unwrap(other));

    public override int GetHashCode() => Uid.GetHashCode();

    public override string ToString() => $"Actor[{Path}#{Uid}]";

    private static IActorRef Unwrap(IActorRef actor) => actor is IActorRefProxy proxy ? proxy.Underlying : actor;
}

/// <summary>A public object that stands for another reference (the test kit's probes).</summary>
internal interface IActorRefProxy
{
    IActorRef Underlying { get; }
}
