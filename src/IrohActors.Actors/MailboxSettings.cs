namespace IrohActors.Actors;

/// <summary>What a bounded mailbox does with a message that arrives when it is full.</summary>
public enum MailboxOverflowPolicy
{
    /// <summary>The arriving (newest) message is not enqueued; it goes to dead letters as <see cref="Dropped"/>
    /// (Akka's bounded mailbox after its push timeout).</summary>
    DropNewest,

    /// <summary>The oldest queued message is removed to dead letters (as <see cref="Dropped"/>) and the arriving one is enqueued.</summary>
    DropOldest,

    /// <summary>Like <see cref="DropNewest"/>, and the sender (if any) is told
    /// <see cref="Status.Failure"/> with a <see cref="MailboxOverflowException"/>; an Ask therefore faults at once.</summary>
    FailSender,
}

/// <summary>Mailbox of an actor: unbounded, or bounded with a stated overflow policy.</summary>
/// <param name="Capacity">Largest number of queued user messages; -1 = unbounded (<c>mailbox-capacity</c>).</param>
/// <param name="Overflow">What happens to a message that arrives when the mailbox is full.</param>
public sealed record MailboxSettings(int Capacity, MailboxOverflowPolicy Overflow = MailboxOverflowPolicy.DropNewest)
{
    /// <summary>The default: unbounded (Akka's <c>UnboundedMailbox</c>).</summary>
    public static MailboxSettings Unbounded { get; } = new(-1);

    /// <summary>A bounded mailbox.</summary>
    public static MailboxSettings Bounded(int capacity, MailboxOverflowPolicy overflow = MailboxOverflowPolicy.DropNewest)
    {
        if (capacity < 1)
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "a bounded mailbox needs a capacity of at least 1");
        return new MailboxSettings(capacity, overflow);
    }

    /// <summary>True when the mailbox has a capacity.</summary>
    public bool IsBounded => Capacity > 0;
}
