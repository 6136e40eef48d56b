using Microsoft.Extensions.Logging;

namespace IrohActors.Actors.Internal;

internal sealed partial class ActorCell
{
    private bool _recreatePending;
    private Exception? _recreateCause;
    private ActorCell? _escalatedFrom;

    /// <summary>The actor (or its creation) threw: suspend user messages and tell the parent, whose strategy decides.</summary>
    private void HandleInvokeFailure(Exception cause, object? message)
    {
        _asyncPending = false;
        _pendingTask = null;
        if (_terminating)
        {
            Log.LogError(cause, "{Path}: failed while stopping; ignored", Self.Path);
            return;
        }
        _failed = true;
        _failedMessage = message;
        if (_parent is null)
        {
            Log.LogError(cause, "{Path}: root guardian failed; stopping", Self.Path);
            HandleTerminate();
            return;
        }
        _parent.Mailbox.PostSystem(new Failed(this, cause));
    }

    private SupervisorStrategy StrategyForChildren
        => _actor?.SupervisorStrategyInternal ?? Props.SupervisorStrategy ?? SupervisorStrategy.DefaultStrategy;

    private void HandleFailed(ActorCell child, Exception cause)
    {
        var entry = FindChild(child);
        if (entry is null || entry.Stopping)
            return; // stale: the child is already gone or on its way out
        var strategy = StrategyForChildren;
        var directive = strategy.Decide(cause);
        if (directive == Directive.Escalate && IsGuardian)
        {
            Log.LogError(cause, "{Path}: escalated to the guardian; stopping it", child.Self.Path);
            directive = Directive.Stop;
        }
        switch (directive)
        {
            case Directive.Resume:
                Log.LogWarning(cause, "{Path}: failed; resuming ({Message})", child.Self.Path, cause.Message);
                child.Mailbox.PostSystem(Internal.Resume.Instance);
                break;
            case Directive.Restart:
                if (strategy.RequestRestartPermission(entry, Environment.TickCount64))
                {
                    Log.LogError(cause, "{Path}: failed; restarting ({Message})", child.Self.Path, cause.Message);
                    foreach (var target in strategy.Targets(this, entry))
                        target.Cell.Mailbox.PostSystem(new Recreate(cause));
                }
                else
                {
                    Log.LogError(cause, "{Path}: failed; restart limit reached ({Max} within {Window}), stopping",
                        child.Self.Path, strategy.MaxNumberOfRetries, strategy.WithinTimeRange);
                    foreach (var target in strategy.Targets(this, entry))
                        StopChild(target.Cell);
                }
                break;
            case Directive.Stop:
                Log.LogError(cause, "{Path}: failed; stopping ({Message})", child.Self.Path, cause.Message);
                foreach (var target in strategy.Targets(this, entry))
                    StopChild(target.Cell);
                break;
            default:
                _escalatedFrom = child;
                HandleInvokeFailure(cause, null);
                break;
        }
    }

    private void HandleResume()
    {
        if (_terminating)
            return;
        if (_actor is null)
        {
            HandleRecreate(new ActorInitializationException(Self, "resumed although its creation had failed; recreating"));
            return;
        }
        _failed = false;
        _failedMessage = null;
        if (_escalatedFrom is { } child)
        {
            _escalatedFrom = null;
            child.Mailbox.PostSystem(Internal.Resume.Instance);
        }
    }

    private void HandleRecreate(Exception cause)
    {
        if (_terminating)
            return;
        _escalatedFrom = null;
        var failedMessage = _failedMessage;
        _asyncPending = false;
        _pendingTask = null;
        _current = default;
        _stash?.UnstashAllToFront();
        _timers?.CancelAllInternal();
        _receiveTimeoutTimer?.CancelAllInternal();
        if (_actor is { } old)
        {
            try
            {
                old.InvokePreRestart(cause, failedMessage);
            }
            catch (Exception ex)
            {
                Log.LogError(ex, "{Path}: PreRestart threw; restarting anyway", Self.Path);
            }
        }
        _actor = null;
        if (AnyChildStopping)
        {
            _recreatePending = true;   // FinishRecreate runs when the last stopping child has stopped
            _recreateCause = cause;
            return;
        }
        FinishRecreate(cause);
    }

    private void FinishRecreate(Exception cause)
    {
        _recreatePending = false;
        _recreateCause = null;
        _failed = false;
        _failedMessage = null;
        try
        {
            NewActor();
            _actor!.InvokePostRestart(cause);
        }
        catch (Exception ex)
        {
            HandleInvokeFailure(ex as ActorInitializationException
                                ?? new ActorInitializationException(Self, $"exception during restart ({ex.GetType().Name}: {ex.Message})", ex), null);
            return;
        }
        foreach (var survivor in ChildEntries())
            if (!survivor.Stopping)
                survivor.Cell.Mailbox.PostSystem(new Recreate(cause));
    }

    // ---------------------------------------------------------------- stopping

    private void HandleTerminate()
    {
        if (_terminating || _terminated)
            return;
        _terminating = true;
        _timers?.CancelAllInternal();
        _receiveTimeoutTimer?.CancelAllInternal();
        var children = ChildEntries();
        if (children.Count == 0)
        {
            FinishTerminate();
            return;
        }
        foreach (var child in children)
            StopChild(child.Cell);
    }

    private void FinishTerminate()
    {
        if (_terminated)
            return;
        if (_actor is { } actor)
        {
            try
            {
                actor.InvokePostStop();
            }
            catch (Exception ex)
            {
                Log.LogError(ex, "{Path}: PostStop threw", Self.Path);
            }
        }
        _actor = null;
        _behavior = null;
        _asyncPending = false;
        _pendingTask = null;
        _terminated = true;
        foreach (var envelope in _stash?.TakeAll() ?? [])
            DeadLetter(envelope);
        Mailbox.Close();
        TellWatchersWeStopped();
        if (_parent is not null)
            _parent.Mailbox.PostSystem(new ChildTerminated(this));
        else
            _system.OnRootStopped();
    }
}
