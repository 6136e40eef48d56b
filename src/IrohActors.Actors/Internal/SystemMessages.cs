namespace IrohActors.Actors.Internal;

/// <summary>Kernel-internal messages; a mailbox processes all of them before any user message.</summary>
internal abstract class SystemMessage;

/// <summary>Construct the instance and run PreStart.</summary>
internal sealed class Create : SystemMessage
{
    public static readonly Create Instance = new();
}

/// <summary>Stop the actor (children first, then PostStop).</summary>
internal sealed class Terminate : SystemMessage
{
    public static readonly Terminate Instance = new();
}

/// <summary><paramref name="Watcher"/> wants a notification when the receiver stops.</summary>
internal sealed class Watch(IInternalActorRef watcher) : SystemMessage
{
    public IInternalActorRef Watcher { get; } = watcher;
}

/// <summary><paramref name="Watcher"/> no longer wants a notification.</summary>
internal sealed class Unwatch(IInternalActorRef watcher) : SystemMessage
{
    public IInternalActorRef Watcher { get; } = watcher;
}

/// <summary>A watched actor stopped.</summary>
internal sealed class DeathWatchNotification(IActorRef actor, bool existenceConfirmed) : SystemMessage
{
    public IActorRef Actor { get; } = actor;
    public bool ExistenceConfirmed { get; } = existenceConfirmed;
}

/// <summary>A child failed; the parent's strategy decides.</summary>
internal sealed class Failed(ActorCell child, Exception cause) : SystemMessage
{
    public ActorCell Child { get; } = child;
    public Exception Cause { get; } = cause;
}

/// <summary>Supervisor said Resume.</summary>
internal sealed class Resume : SystemMessage
{
    public static readonly Resume Instance = new();
}

/// <summary>Supervisor said Restart.</summary>
internal sealed class Recreate(Exception cause) : SystemMessage
{
    public Exception Cause { get; } = cause;
}

/// <summary>A child finished stopping; its name is free again.</summary>
internal sealed class ChildTerminated(ActorCell child) : SystemMessage
{
    public ActorCell Child { get; } = child;
}

/// <summary>A continuation of an async handler, to run on the actor's turn.</summary>
internal sealed class RunContinuation(SendOrPostCallback callback, object? state) : SystemMessage
{
    public SendOrPostCallback Callback { get; } = callback;
    public object? State { get; } = state;
}

/// <summary>The task of an async handler completed; the mailbox may go on.</summary>
internal sealed class AsyncHandlerCompleted(Task task) : SystemMessage
{
    public Task Task { get; } = task;
}
