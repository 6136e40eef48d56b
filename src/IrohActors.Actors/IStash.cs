namespace IrohActors.Actors;

/// <summary>Marks an actor with a stash; the kernel sets <see cref="Stash"/> before the constructor body runs.</summary>
public interface IWithStash
{
    /// <summary>The actor's stash.</summary>
    IStash Stash { get; set; }
}

/// <summary>
/// Messages put aside to be processed later (use only on the actor's turn). Unstashed messages go to the front of
/// the mailbox in their original order. On restart the stash is emptied back into the mailbox before the new instance
/// starts; on stop its messages go to dead letters.
/// </summary>
public interface IStash
{
    /// <summary>Puts the current message aside; twice for the same message → <see cref="IllegalActorStateException"/>;
    /// a full bounded stash → <see cref="StashOverflowException"/>.</summary>
    void Stash();

    /// <summary>Returns the oldest stashed message to the front of the mailbox.</summary>
    void Unstash();

    /// <summary>Returns all stashed messages to the front of the mailbox, oldest first.</summary>
    void UnstashAll();

    /// <summary>Returns the stashed messages matching <paramref name="predicate"/>; the others are discarded.</summary>
    void UnstashAll(Func<object, bool> predicate);

    /// <summary>Empties the stash and returns its messages (oldest first) without processing them.</summary>
    IReadOnlyList<object> ClearStash();

    /// <summary>Number of stashed messages.</summary>
    int Count { get; }

    /// <summary>True when nothing is stashed.</summary>
    bool IsEmpty { get; }

    /// <summary>True when something is stashed.</summary>
    bool NonEmpty { get; }

    /// <summary>True when a bounded stash is full.</summary>
    bool IsFull { get; }

    /// <summary>Capacity; -1 = unbounded.</summary>
    int Capacity { get; }
}
