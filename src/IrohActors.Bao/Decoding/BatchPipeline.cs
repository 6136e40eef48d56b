namespace IrohActors.Bao;

/// <summary>
/// Two leaf batches for a decoder: one being filled from the stream while the other is verified by background
/// helpers (one fewer than the cores: the reader joins them as soon as it has filled the next batch); the older
/// batch is always written first.
/// </summary>
internal sealed class BatchPipeline(int capacity, BlockSize blockSize, Memory<byte>? inPlace = null) : IDisposable
{
    /// <summary>Below this many leaf bytes a batch is verified by the reader alone (a helper costs more than it saves).</summary>
    private const int ParallelThreshold = 512 << 10;

    private readonly LeafBatch[] _batches = [new LeafBatch(capacity, blockSize, inPlace), new LeafBatch(capacity, blockSize, inPlace)];
    private int _current;
    private VerifyRound? _previous;

    /// <summary>The batch being filled.</summary>
    public LeafBatch Current => _batches[_current];

    /// <summary>Hands out the full batch under verification, if any; <see cref="VerifyRound.Wait"/> finishes it.</summary>
    public VerifyRound? TakePrevious()
    {
        var previous = _previous;
        _previous = null;
        return previous;
    }

    /// <summary>Starts verifying the current batch and switches filling to the other one, which the caller has written out.</summary>
    public void StartVerifying()
    {
        var full = _batches[_current];
        var round = full.BeginVerify();
        if (full.LeafBytes >= ParallelThreshold)
        {
            for (var i = 0; i < Math.Max(1, Environment.ProcessorCount - 1); i++)
                ThreadPool.UnsafeQueueUserWorkItem(static r => r.Help(), round, preferLocal: false);
        }
        _previous = round;
        _current ^= 1;
    }

    public void Dispose()
    {
        // A verification still running (after a failure) must end before its buffer goes back to the pool.
        _previous?.WaitQuietly();
        _batches[0].Dispose();
        _batches[1].Dispose();
    }
}
