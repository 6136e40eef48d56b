using IrohActors.Actors.Internal;

namespace IrohActors.Actors;

/// <summary><c>GracefulStop</c>: stop an actor and wait until it has stopped.</summary>
public static class GracefulStopSupport
{
    /// <summary>Sends <see cref="PoisonPill"/> and completes with true once the actor has stopped (its <c>PostStop</c> has
    /// run), or false when <paramref name="timeout"/> passes first.</summary>
    public static Task<bool> GracefulStop(this IActorRef target, TimeSpan timeout) => GracefulStop(target, timeout, PoisonPill.Instance);

    /// <summary>Sends <paramref name="stopMessage"/> and completes with true once the actor has stopped, false on timeout.</summary>
    public static Task<bool> GracefulStop(this IActorRef target, TimeSpan timeout, object stopMessage)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(stopMessage);
        var internalTarget = ActorRefResolver.Resolve(target)
                             ?? throw new NotSupportedException($"cannot watch {target} (not a kernel actor reference)");
        var watcher = new StopWatcher(internalTarget, timeout);
        internalTarget.SendSystemMessage(new Watch(watcher));
        target.Tell(stopMessage, null);
        return watcher.Task;
    }

    /// <summary>A temporary reference that completes when it is told its target stopped.</summary>
    private sealed class StopWatcher : TaskCompletionSource<bool>, IInternalActorRef
    {
        private readonly IInternalActorRef _target;
        private readonly Timer? _timer;

        public StopWatcher(IInternalActorRef target, TimeSpan timeout) : base(TaskCreationOptions.RunContinuationsAsynchronously)
        {
            _target = target;
            Path = target.Path.Parent?.Child(target.Path.Name + "$stop") ?? target.Path;
            if (timeout != Timeout.InfiniteTimeSpan)
                _timer = new Timer(static s => ((StopWatcher)s!).OnTimeout(), this, timeout, Timeout.InfiniteTimeSpan);
        }

        public ActorPath Path { get; }

        public bool IsTerminated => Task.IsCompleted;

        public void Tell(object message, IActorRef? sender) { }

        public void SendSystemMessage(SystemMessage message)
        {
            if (message is DeathWatchNotification && TrySetResult(true))
                _timer?.Dispose();
        }

        private void OnTimeout()
        {
            if (TrySetResult(false))
            {
                _timer?.Dispose();
                _target.SendSystemMessage(new Unwatch(this));
            }
        }
    }
}
