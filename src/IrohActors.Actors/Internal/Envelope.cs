namespace IrohActors.Actors.Internal;

/// <summary>A user message with its sender, as queued in a mailbox (a struct: the only per-message cost is the queue slot).</summary>
internal readonly struct Envelope(object message, IActorRef? sender)
{
    public readonly object Message = message;
    public readonly IActorRef? Sender = sender;

    public override string ToString() => $"{Message} from {Sender?.Path.ToString() ?? "NoSender"}";
}
