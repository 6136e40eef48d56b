namespace IrohActors.Actors;

/// <summary>Marker for messages the kernel handles itself before the actor's behaviour sees them.</summary>
public interface IAutoReceivedMessage;

/// <summary>Messages whose dead letters are published as <see cref="SuppressedDeadLetter"/>: not logged, not counted.</summary>
public interface IDeadLetterSuppression;

/// <summary>Stops the actor when it is processed, i.e. after every message enqueued before it (an ordinary user message).</summary>
public sealed class PoisonPill : IAutoReceivedMessage, IDeadLetterSuppression
{
    private PoisonPill() { }

    /// <summary>The single instance.</summary>
    public static PoisonPill Instance { get; } = new();

    /// <inheritdoc />
    public override string ToString() => "<PoisonPill>";
}

/// <summary>Makes the actor fail with <see cref="ActorKilledException"/> when processed; the default strategy then stops it.</summary>
public sealed class Kill : IAutoReceivedMessage
{
    private Kill() { }

    /// <summary>The single instance.</summary>
    public static Kill Instance { get; } = new();

    /// <inheritdoc />
    public override string ToString() => "<Kill>";
}

/// <summary>Sent to an actor that set a receive timeout and received nothing for that long.</summary>
public sealed class ReceiveTimeout
{
    private ReceiveTimeout() { }

    /// <summary>The single instance.</summary>
    public static ReceiveTimeout Instance { get; } = new();

    /// <inheritdoc />
    public override string ToString() => "<ReceiveTimeout>";
}

/// <summary>Marker for messages that do not reset the receive timeout.</summary>
public interface INotInfluenceReceiveTimeout;
