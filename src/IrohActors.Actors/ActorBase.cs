using IrohActors.Actors.Internal;

namespace IrohActors.Actors;

/// <summary>Base of every actor. Create actors only through <see cref="Props"/> and <c>ActorOf</c>, never with <c>new</c>.</summary>
public abstract class ActorBase
{
    private readonly ActorCell _cell;
    private SupervisorStrategy? _strategy;

    /// <summary>Binds the instance to the actor cell that is creating it.</summary>
    protected ActorBase()
    {
        _cell = ActorCell.TakeConstructingCell()
                ?? throw new ActorInitializationException(null,
                    $"Do not create actors using 'new' ({GetType().Name}); use ActorOf(Props.Create(...))");
        if (this is IWithTimers withTimers)
            withTimers.Timers = _cell.Timers;
        if (this is IWithStash withStash)
            withStash.Stash = _cell.Stash;
    }

    internal ActorCell Cell => _cell;

    /// <summary>This actor.</summary>
    protected IActorRef Self => _cell.Self;

    /// <summary>Sender of the message being processed (valid across awaits of a <c>ReceiveAsync</c> handler).</summary>
    protected IActorRef Sender => _cell.Sender;

    /// <summary>The actor's context.</summary>
    protected IActorContext Context => _cell;

    /// <summary>The behaviour: returns true when the message was handled.</summary>
    protected abstract bool Receive(object message);

    /// <summary>Called for messages no behaviour handled: an unhandled <see cref="Terminated"/> throws
    /// <see cref="DeathPactException"/>, anything else is published as <see cref="UnhandledMessage"/>.</summary>
    protected virtual void Unhandled(object message)
    {
        if (message is Terminated terminated)
            throw new DeathPactException(terminated.ActorRef);
        _cell.System.EventStream.Publish(new UnhandledMessage(message, _cell.CurrentSender, Self));
    }

    /// <summary>Runs after construction, before the first message (also after a restart, via <see cref="PostRestart"/>).</summary>
    protected virtual void PreStart() { }

    /// <summary>Runs once the actor has stopped (children already stopped); its mailbox is closed.</summary>
    protected virtual void PostStop() { }

    /// <summary>Runs on the failed instance before a restart. Default: unwatch and stop all children, then <see cref="PostStop"/>.</summary>
    /// <param name="reason">The exception that caused the restart.</param>
    /// <param name="message">The message being processed when it failed (it is not retried), if any.</param>
    protected virtual void PreRestart(Exception reason, object? message)
    {
        foreach (var child in Context.GetChildren())
        {
            Context.Unwatch(child);
            Context.Stop(child);
        }
        PostStop();
    }

    /// <summary>Runs on the new instance after a restart. Default: <see cref="PreStart"/>.</summary>
    protected virtual void PostRestart(Exception reason) => PreStart();

    /// <summary>The strategy this actor uses for its children. Default: the Props' strategy, else
    /// <see cref="Actors.SupervisorStrategy.DefaultStrategy"/>.</summary>
    protected virtual SupervisorStrategy SupervisorStrategy() => _cell.Props.SupervisorStrategy ?? Actors.SupervisorStrategy.DefaultStrategy;

    /// <summary>Replaces the current behaviour.</summary>
    protected void Become(Receive receive) => _cell.Become(receive);

    /// <summary>Pushes a behaviour.</summary>
    protected void BecomeStacked(Receive receive) => _cell.BecomeStacked(receive);

    /// <summary>Pops the behaviour pushed last.</summary>
    protected void UnbecomeStacked() => _cell.UnbecomeStacked();

    /// <summary>Sets or clears the receive timeout.</summary>
    protected void SetReceiveTimeout(TimeSpan? timeout) => _cell.SetReceiveTimeout(timeout);

    internal bool InvokeReceive(object message) => Receive(message);
    internal void InvokeUnhandled(object message) => Unhandled(message);
    internal void InvokePreStart() => PreStart();
    internal void InvokePostStop() => PostStop();
    internal void InvokePreRestart(Exception reason, object? message) => PreRestart(reason, message);
    internal void InvokePostRestart(Exception reason) => PostRestart(reason);
    internal SupervisorStrategy SupervisorStrategyInternal => _strategy ??= SupervisorStrategy();
    internal virtual void AfterConstruct() { }
}
