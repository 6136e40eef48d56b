namespace IrohActors.Actors;

/// <summary>Behaviour for <see cref="UntypedActor"/>: it must call <c>Unhandled</c> itself for messages it ignores.</summary>
public delegate void UntypedReceive(object message);

/// <summary>An actor with one <see cref="OnReceive"/> method.</summary>
public abstract class UntypedActor : ActorBase
{
    /// <summary>Handles one message; call <c>Unhandled(message)</c> for messages you do not handle.</summary>
    protected abstract void OnReceive(object message);

    /// <inheritdoc />
    protected sealed override bool Receive(object message)
    {
        OnReceive(message);
        return true;
    }

    /// <summary>Replaces the current behaviour.</summary>
    protected void Become(UntypedReceive receive)
    {
        ArgumentNullException.ThrowIfNull(receive);
        Become(m => { receive(m); return true; });
    }

    /// <summary>Pushes a behaviour.</summary>
    protected void BecomeStacked(UntypedReceive receive)
    {
        ArgumentNullException.ThrowIfNull(receive);
        BecomeStacked(m => { receive(m); return true; });
    }

    /// <summary>Runs an async step without letting other messages interleave: the mailbox waits until it completes;
    /// an exception fails the actor.</summary>
    protected void RunTask(Func<Task> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        Cell.RunTask(action);
    }
}
