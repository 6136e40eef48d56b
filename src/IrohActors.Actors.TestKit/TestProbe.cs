using IrohActors.Actors.Internal;

namespace IrohActors.Actors.TestKit;

/// <summary>
/// A stand-in actor for tests: an <see cref="IActorRef"/> (messages told to it are queued for its Expect methods) that
/// can also send, reply and forward. Create it with <see cref="TestKit.CreateTestProbe"/>.
/// </summary>
public sealed class TestProbe : TestKitBase, IActorRef, IActorRefProxy
{
    internal TestProbe(ActorSystem system, string name) : base(system, name) { }

    /// <summary>The probe's actor reference (the sender of what the probe sends).</summary>
    public IActorRef Ref => TestActor;

    /// <summary>Sender of the last message taken (same as <see cref="TestKitBase.LastSender"/>).</summary>
    public IActorRef Sender => LastSender;

    /// <inheritdoc />
    public ActorPath Path => TestActor.Path;

    IActorRef IActorRefProxy.Underlying => TestActor;

    /// <summary>Queues <paramref name="message"/> at the probe, as if <paramref name="sender"/> sent it.</summary>
    public void Tell(object message, IActorRef? sender) => TestActor.Tell(message, sender);

    /// <summary>Sends <paramref name="message"/> to <paramref name="actor"/> with the probe as sender.</summary>
    public void Send(IActorRef actor, object message)
    {
        ArgumentNullException.ThrowIfNull(actor);
        actor.Tell(message, TestActor);
    }

    /// <summary>Replies to the sender of the last message taken.</summary>
    public void Reply(object message)
    {
        if (LastMessage is null)
            Fail("Reply: the probe has not taken any message yet, so there is no sender to reply to");
        LastSender.Tell(message, TestActor);
    }

    /// <summary>Sends <paramref name="message"/> to <paramref name="actor"/> keeping the last message's sender.</summary>
    public void Forward(IActorRef actor, object message)
    {
        ArgumentNullException.ThrowIfNull(actor);
        actor.Tell(message, LastSender);
    }

    /// <summary>Forwards the last message taken to <paramref name="actor"/>, keeping its sender.</summary>
    public void Forward(IActorRef actor)
    {
        if (LastMessage is null)
            Fail("Forward: the probe has not taken any message yet");
        Forward(actor, LastMessage!);
    }

    /// <summary>Equal to its own <see cref="Ref"/>.</summary>
    public override bool Equals(object? obj) => obj is IActorRef other && TestActor.Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => TestActor.GetHashCode();

    /// <inheritdoc />
    public override string ToString() => $"TestProbe[{Path}]";
}
