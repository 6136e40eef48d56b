namespace IrohActors.Actors.Internal;

/// <summary>The <c>/user</c> and <c>/system</c> guardians: parents of top-level actors.</summary>
internal sealed class GuardianActor(SupervisorStrategy strategy) : ActorBase
{
    protected override bool Receive(object message) => false;

    protected override SupervisorStrategy SupervisorStrategy() => strategy;

    protected override void PreRestart(Exception reason, object? message) { } // a guardian keeps its children
}

/// <summary>The root <c>/</c>: when <c>/user</c> has stopped it stops <c>/system</c>, then itself (ending the system).</summary>
internal sealed class RootGuardian : ActorBase
{
    internal sealed record WatchGuardians(IActorRef User, IActorRef System);

    private IActorRef? _user;
    private IActorRef? _system;

    protected override bool Receive(object message)
    {
        switch (message)
        {
            case WatchGuardians w:
                _user = w.User;
                _system = w.System;
                Context.Watch(w.User);
                Context.Watch(w.System);
                return true;
            case Terminated t when t.ActorRef.Equals(_user):
                Context.Stop(_system!);
                return true;
            case Terminated t when t.ActorRef.Equals(_system):
                Context.Stop(Self);
                return true;
            default:
                return false;
        }
    }

    protected override SupervisorStrategy SupervisorStrategy() => Actors.SupervisorStrategy.StoppingStrategy;
}
