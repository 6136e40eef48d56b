namespace IrohActors.Actors;

/// <summary>Immutable recipe for an actor: how to make an instance (again on every restart), its mailbox and the
/// strategy it uses to supervise its own children.</summary>
public sealed class Props
{
    private Props(Type actorType, Func<ActorBase> factory, SupervisorStrategy? strategy, MailboxSettings? mailbox, int? stashCapacity)
    {
        ActorType = actorType;
        Factory = factory;
        SupervisorStrategy = strategy;
        Mailbox = mailbox;
        StashCapacity = stashCapacity;
    }

    /// <summary>The actor's class.</summary>
    public Type ActorType { get; }

    /// <summary>Strategy the actor uses for its children, unless it overrides <c>SupervisorStrategy()</c>.</summary>
    public SupervisorStrategy? SupervisorStrategy { get; }

    /// <summary>The actor's mailbox; null = the system's default mailbox.</summary>
    public MailboxSettings? Mailbox { get; }

    /// <summary>Largest stash; null = the system's <see cref="ActorSystemSettings.StashCapacity"/>.</summary>
    public int? StashCapacity { get; }

    internal Func<ActorBase> Factory { get; }

    /// <summary>Props for an actor with a parameterless constructor.</summary>
    public static Props Create<TActor>() where TActor : ActorBase, new()
        => new(typeof(TActor), static () => new TActor(), null, null, null);

    /// <summary>Props from a factory, e.g. <c>Props.Create(() => new Store(path))</c>; the factory runs on every
    /// (re)start and must return a new instance each time.</summary>
    public static Props Create<TActor>(Func<TActor> factory) where TActor : ActorBase
    {
        ArgumentNullException.ThrowIfNull(factory);
        return new(typeof(TActor), factory, null, null, null);
    }

    /// <summary>Props for <paramref name="actorType"/> constructed with <paramref name="args"/> (reflection).</summary>
    public static Props Create(Type actorType, params object?[] args)
    {
        ArgumentNullException.ThrowIfNull(actorType);
        if (!typeof(ActorBase).IsAssignableFrom(actorType) || actorType.IsAbstract)
            throw new ArgumentException($"{actorType} is not a concrete actor type (must derive from ActorBase)", nameof(actorType));
        return new(actorType, () => (ActorBase)Activator.CreateInstance(actorType, args)!, null, null, null);
    }

    /// <summary>A copy whose actor supervises its children with <paramref name="strategy"/>.</summary>
    public Props WithSupervisorStrategy(SupervisorStrategy strategy)
        => new(ActorType, Factory, strategy ?? throw new ArgumentNullException(nameof(strategy)), Mailbox, StashCapacity);

    /// <summary>A copy with the given mailbox.</summary>
    public Props WithMailbox(MailboxSettings mailbox)
        => new(ActorType, Factory, SupervisorStrategy, mailbox ?? throw new ArgumentNullException(nameof(mailbox)), StashCapacity);

    /// <summary>A copy with a bounded mailbox of <paramref name="capacity"/> and the given overflow policy.</summary>
    public Props WithMailbox(int capacity, MailboxOverflowPolicy overflow)
        => WithMailbox(MailboxSettings.Bounded(capacity, overflow));

    /// <summary>A copy with a bounded stash (-1 = unbounded).</summary>
    public Props WithStashCapacity(int capacity) => new(ActorType, Factory, SupervisorStrategy, Mailbox, capacity);

    /// <inheritdoc />
    public override string ToString() => $"Props<{ActorType.Name}>";
}
