namespace IrohActors.Actors;

/// <summary>Delivered to a watcher when a watched actor has stopped (also when it was already dead when watched).</summary>
/// <param name="ActorRef">The actor that stopped.</param>
/// <param name="ExistenceConfirmed">False when the actor was never known to exist (e.g. <see cref="ActorRefs.Nobody"/>).</param>
/// <param name="AddressTerminated">Always false here (no remoting); kept for Akka's shape.</param>
public sealed record Terminated(IActorRef ActorRef, bool ExistenceConfirmed = true, bool AddressTerminated = false)
    : IAutoReceivedMessage, IDeadLetterSuppression
{
    /// <inheritdoc />
    public override string ToString() => $"<Terminated>: {ActorRef.Path}";
}
