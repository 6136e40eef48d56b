namespace IrohActors.Actors.Internal;

/// <summary>Installed while an async handler runs: each continuation comes back to the actor as a system message, so it
/// runs on the actor's turn with Self, Sender and Context valid, and never alongside another message.</summary>
internal sealed class ActorSynchronizationContext(ActorCell cell) : SynchronizationContext
{
    public override void Post(SendOrPostCallback d, object? state) => cell.PostContinuation(d, state);

    public override void Send(SendOrPostCallback d, object? state)
        => throw new NotSupportedException("synchronous Send on an actor's context would deadlock");

    public override SynchronizationContext CreateCopy() => this;
}
