namespace IrohActors.Actors.TestKit;

/// <summary>What a test actor received, in order; a blocking (and async) take with timeout, and a push-back to the front.</summary>
internal sealed class TestMessageQueue
{
    private readonly object _lock = new();
    private readonly LinkedList<MessageEnvelope> _items = new();
    private readonly SemaphoreSlim _available = new(0);

    public int Count
    {
        get
        {
            lock (_lock)
                return _items.Count;
        }
    }

    public void Enqueue(MessageEnvelope envelope)
    {
        lock (_lock)
            _items.AddLast(envelope);
        _available.Release();
    }

    public void PushFront(MessageEnvelope envelope)
    {
        lock (_lock)
            _items.AddFirst(envelope);
        _available.Release();
    }

    public bool TryTake(TimeSpan timeout, out MessageEnvelope envelope)
    {
        if (!_available.Wait(Clamp(timeout)))
        {
            envelope = default;
            return false;
        }
        envelope = TakeFirst();
        return true;
    }

    public async Task<MessageEnvelope?> TakeAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!await _available.WaitAsync(Clamp(timeout), cancellationToken).ConfigureAwait(false))
            return null;
        return TakeFirst();
    }

    private MessageEnvelope TakeFirst()
    {
        lock (_lock)
        {
            var first = _items.First!.Value;
            _items.RemoveFirst();
            return first;
        }
    }

    private static TimeSpan Clamp(TimeSpan timeout)
        => timeout == Timeout.InfiniteTimeSpan ? timeout : timeout < TimeSpan.Zero ? TimeSpan.Zero : timeout;
}
