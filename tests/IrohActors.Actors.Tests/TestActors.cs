using IrohActors.Actors.Internal;

namespace IrohActors.Actors.Tests;

/// <summary>Small actors shared by the kernel tests.</summary>
internal sealed class EchoActor : ReceiveActor
{
    public EchoActor() => ReceiveAny(m => Sender.Tell(m, Self));
}

/// <summary>Forwards everything it receives to a probe (with the original sender).</summary>
internal sealed class ForwardTo(IActorRef target) : UntypedActor
{
    protected override void OnReceive(object message) => target.Forward(message);
}

/// <summary>A gate an actor can block on, so tests can fill its mailbox deterministically.</summary>
internal sealed class Gate : IDisposable
{
    private readonly ManualResetEventSlim _event = new();

    public void Open() => _event.Set();

    public void Wait()
    {
        if (!_event.Wait(TimeSpan.FromSeconds(30)))
            throw new TimeoutException("gate was never opened");
    }

    public void Dispose() => _event.Set();
}

/// <summary>Reports "blocked" to the probe and waits for the gate on "block"; reports every other message as processed.</summary>
internal sealed class BlockingActor : ReceiveActor
{
    public BlockingActor(IActorRef probe, Gate gate)
    {
        Receive<string>(s => s == "block", _ =>
        {
            probe.Tell("blocked", Self);
            gate.Wait();
        });
        ReceiveAny(m => probe.Tell(m, Sender));
    }
}

internal static class Internals
{
    public static ActorCell Cell(IActorRef actor) => ((LocalActorRef)actor).Cell;

    public static int QueuedUserMessages(IActorRef actor) => Cell(actor).Mailbox.Count;
}
