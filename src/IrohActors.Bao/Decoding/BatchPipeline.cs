namespace IrohActors.Bao;

/// <summary>
/// Two leaf batches for decoding an in-memory encoding into memory: one being filled by the walk while the other is
/// verified by background helpers (one fewer than the cores: the walking thread joins them as soon as it has filled
/// the next batch); the older batch is always committed first. (Other sources decode in units: ResponseDecoder.Units.cs.)
/// </summary>
internal sealed class BatchPipeline(int capacity, BlockSize blockSize, Memory<byte>? inPlace = null) : IDisposable
{
    /// <summary>Below this many leaf bytes a batch is verified by the reader alone (a helper costs more than it saves).</summary>
    private const int ParallelThreshold = 512 << 10;

    private readonly LeafBatch[] _batches = [new LeafBatch(capacity, blockSize, inPlace), new LeafBatch(capacity, blockSize, inPlace)];
    private int _current;
    private Verification? _previous;

    /// <summary>The batch being filled.</summary>
    public LeafBatch Current => _batches[_current];

    /// <summary>Hands out the full batch under verification, if any; <see cref="Verification.Wait"/> finishes it.</summary>
    public Verification? TakePrevious()
    {
        var previous = _previous;
        _previous = null;
        return previous;
    }

    /// <summary>Starts verifying the current batch and switches filling to the other one, which the caller has written out.</summary>
    public void StartVerifying()
    {
        var full = _batches[_current];
        _previous = Verification.Start(full, HelpersFor(full));
        _current ^= 1;
    }

    /// <summary>Helper threads worth starting for <paramref name="batch"/>: none for a small one.</summary>
    public static int HelpersFor(LeafBatch batch) => batch.LeafBytes >= ParallelThreshold ? WorkRound.DefaultHelpers : 0;

    public void Dispose()
    {
        // A verification still running (after a failure) must end before its buffer goes back to the pool.
        _previous?.WaitQuietly();
        _batches[0].Dispose();
        _batches[1].Dispose();
    }
}

/// <summary>A batch being verified: its units on helper threads, finished by whoever calls <see cref="Wait"/>.</summary>
internal sealed class Verification
{
    private readonly WorkRound _round;

    private Verification(LeafBatch batch, int helpers)
    {
        Batch = batch;
        _round = WorkRound.Start(batch.BeginVerify(), batch.VerifyUnit, helpers);
    }

    public LeafBatch Batch { get; }

    /// <summary>Verifies the batch on the helpers (none: only <see cref="Wait"/>'s caller).</summary>
    public static Verification Start(LeafBatch batch, int helpers) => new(batch, helpers);

    /// <summary>Helps, waits until all is verified; returns the first failing item (stream order), or -1.</summary>
    public int Wait()
    {
        _round.Wait();
        return Batch.FirstFailure();
    }

    /// <summary>Finishes the verification whatever its outcome (cleanup after a failure: the buffers are reused next).</summary>
    public void WaitQuietly() => _round.WaitQuietly();
}
