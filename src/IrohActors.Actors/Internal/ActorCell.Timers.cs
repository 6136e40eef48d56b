namespace IrohActors.Actors.Internal;

internal sealed partial class ActorCell
{
    private static readonly object ReceiveTimeoutKey = new();

    private bool AcceptTimer(TimerMessage timer)
    {
        if (ReferenceEquals(timer.Owner, _timers))
            return _timers!.Accept(timer);
        return _receiveTimeoutTimer is not null && ReferenceEquals(timer.Owner, _receiveTimeoutTimer) && _receiveTimeoutTimer.Accept(timer);
    }

    public void SetReceiveTimeout(TimeSpan? timeout)
    {
        if (timeout is { } t && t <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "receive timeout must be positive (null turns it off)");
        _receiveTimeout = timeout;
        if (timeout is null)
            _receiveTimeoutTimer?.CancelAllInternal();
        else
            RestartReceiveTimeout();
    }

    private void RestartReceiveTimeout()
        => (_receiveTimeoutTimer ??= new TimerScheduler(this))
            .StartSingleTimer(ReceiveTimeoutKey, Actors.ReceiveTimeout.Instance, _receiveTimeout!.Value);
}
