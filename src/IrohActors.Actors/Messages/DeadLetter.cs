namespace IrohActors.Actors;

/// <summary>Base of every event about a message that could not be delivered.</summary>
public abstract record AllDeadLetters(object Message, IActorRef? Sender, IActorRef Recipient);

/// <summary>A message told to a stopped (or never existing) actor, or left in its mailbox when it stopped.</summary>
public sealed record DeadLetter(object Message, IActorRef? Sender, IActorRef Recipient) : AllDeadLetters(Message, Sender, Recipient)
{
    /// <inheritdoc />
    public override string ToString() => $"DeadLetter from {Sender?.Path.ToString() ?? "NoSender"} to {Recipient.Path}: {Message}";
}

/// <summary>A dead letter of an <see cref="IDeadLetterSuppression"/> message (PoisonPill, Terminated): published, not logged, not counted.</summary>
public sealed record SuppressedDeadLetter(object Message, IActorRef? Sender, IActorRef Recipient) : AllDeadLetters(Message, Sender, Recipient);

/// <summary>A message dropped on purpose, e.g. by a full bounded mailbox; <see cref="Reason"/> says why.</summary>
public sealed record Dropped(object Message, string Reason, IActorRef? Sender, IActorRef Recipient) : AllDeadLetters(Message, Sender, Recipient)
{
    /// <inheritdoc />
    public override string ToString() => $"Dropped from {Sender?.Path.ToString() ?? "NoSender"} to {Recipient.Path} ({Reason}): {Message}";
}

/// <summary>A message no behaviour of the recipient handled (published on the event stream).</summary>
public sealed record UnhandledMessage(object Message, IActorRef? Sender, IActorRef Recipient);
