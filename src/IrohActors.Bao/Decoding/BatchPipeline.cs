namespace IrohActors.Bao;

/// <summary>
/// Two leaf batches for a decoder: one being filled from the stream while the other is verified in the
/// background; the older batch is always written first.
/// </summary>
internal sealed class BatchPipeline(int capacity) : IDisposable
{
    private readonly LeafBatch[] _batches = [new LeafBatch(capacity), new LeafBatch(capacity)];
    private int _current;

    /// <summary>The batch being filled.</summary>
    public LeafBatch Current => _batches[_current];

    private (LeafBatch Batch, Task<int> Verified)? _previous;

    /// <summary>Hands out the full batch under verification (and its task: index of the first failing item, or -1), if any.</summary>
    public (LeafBatch Batch, Task<int> Verified)? TakePrevious()
    {
        var previous = _previous;
        _previous = null;
        return previous;
    }

    /// <summary>Starts verifying the current batch and switches filling to the other one, which the caller has written out.</summary>
    public void StartVerifying()
    {
        var full = _batches[_current];
        _previous = (full, Task.Run(full.Verify));
        _current ^= 1;
    }

    public void Dispose()
    {
        // A verification still running (after a failure) must end before its buffer goes back to the pool.
        if (_previous is { } previous)
            ((IAsyncResult)previous.Verified).AsyncWaitHandle.WaitOne();
        _batches[0].Dispose();
        _batches[1].Dispose();
    }
}
