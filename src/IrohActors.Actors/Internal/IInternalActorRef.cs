namespace IrohActors.Actors.Internal;

/// <summary>What the kernel needs of a reference beyond <see cref="IActorRef"/>.</summary>
internal interface IInternalActorRef : IActorRef
{
    /// <summary>Delivers a system message (watch, unwatch, terminate …).</summary>
    void SendSystemMessage(SystemMessage message);

    /// <summary>True once the actor has stopped for good.</summary>
    bool IsTerminated { get; }
}

/// <summary>Resolves public references to kernel references.</summary>
internal static class ActorRefResolver
{
    public static IInternalActorRef? Resolve(IActorRef? actor)
        => (actor is IActorRefProxy proxy ? proxy.Underlying : actor) as IInternalActorRef;
}
