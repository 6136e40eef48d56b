using System.Threading.Channels;
using IrohActors.Bao;
using IrohActors.Blake3;
using IrohActors.Store;

namespace IrohActors.Node.Swarm;

/// <summary>
/// The single writer stage of one blob in a swarm download: every fetch worker of the blob hands its verified
/// batches to a small bounded channel (backpressure: a slow disk holds back the network, memory stays flat), and
/// one task writes them through the store's partial-blob writer. A leaf whose chunks this stage already wrote
/// (an endgame duplicate) is dropped and counted, so each chunk group is written once. Whatever was handed over is
/// flushed when the stage closes, on success, failure or cancellation alike.
/// </summary>
internal sealed class BlobWriteStage
{
    private const int ChannelBatches = 4;
    private readonly Channel<VerifiedBatch> _channel = Channel.CreateBounded<VerifiedBatch>(new BoundedChannelOptions(ChannelBatches) { SingleReader = true });
    private readonly IBlobWriter _writer;
    private readonly Task _run;
    private ChunkRanges _written;
    private long _duplicateBytes;
    private long _writtenBytes;

    private BlobWriteStage(IBlobWriter writer)
    {
        _writer = writer;
        _run = Task.Run(RunAsync);
    }

    /// <summary>The blob.</summary>
    public Hash Hash => _writer.Hash;

    /// <summary>Its proved geometry.</summary>
    public BaoTree Tree => _writer.Tree;

    /// <summary>Leaf bytes dropped because their chunks had already been written.</summary>
    public long DuplicateBytes => Interlocked.Read(ref _duplicateBytes);

    /// <summary>Leaf bytes written.</summary>
    public long WrittenBytes => Interlocked.Read(ref _writtenBytes);

    /// <summary>Opens the store's writer of <paramref name="hash"/> (whose size is proved; its data file placed at <paramref name="placeAt"/> when given) and starts the stage.</summary>
    public static async Task<BlobWriteStage> OpenAsync(IBlobStore store, Hash hash, BaoTree tree, string? placeAt, CancellationToken cancellationToken)
    {
        var writer = placeAt is null
            ? await store.OpenWriterAsync(hash, tree, cancellationToken).ConfigureAwait(false)
            : await store.OpenWriterAsync(hash, tree, placeAt, cancellationToken).ConfigureAwait(false);
        return new BlobWriteStage(writer);
    }

    /// <summary>Hands a batch of verified items to the stage (waits while the stage is behind).</summary>
    /// <exception cref="ChannelClosedException">The stage failed (its inner exception says why) or was closed.</exception>
    public ValueTask WriteAsync(VerifiedBatch batch, CancellationToken cancellationToken) => _channel.Writer.WriteAsync(batch, cancellationToken);

    /// <summary>No more batches: writes what is queued, flushes, closes the store's writer; faults if a write failed.</summary>
    public Task CloseAsync()
    {
        _channel.Writer.TryComplete();
        return _run;
    }

    private async Task RunAsync()
    {
        Exception? failure = null;
        try
        {
            await foreach (var batch in _channel.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
            {
                try
                {
                    if (failure is null)
                        await WriteBatchAsync(batch).ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    // Refuse further batches (their writers see why); keep draining so nobody blocks on a full channel.
                    failure = e;
                    _channel.Writer.TryComplete(e);
                }
                finally
                {
                    batch.Return();
                }
            }
        }
        finally
        {
            try
            {
                await _writer.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            }
            finally
            {
                await _writer.DisposeAsync().ConfigureAwait(false);
            }
        }
        if (failure is not null)
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
    }

    private async Task WriteBatchAsync(VerifiedBatch batch)
    {
        for (var i = 0; i < batch.Items.Count; i++)
        {
            var item = batch[i];
            if (!item.IsParent)
            {
                var start = item.Chunk.StartChunk.Value;
                var end = start + Math.Max(1UL, ChunkNum.Chunks((ulong)item.Chunk.Size).Value);
                if (_written.Covers(start, end))
                {
                    Interlocked.Add(ref _duplicateBytes, item.Bytes.Length);
                    continue;
                }
                _written |= ChunkRanges.Range(start, end);
                Interlocked.Add(ref _writtenBytes, item.Bytes.Length);
            }
            await _writer.WriteAsync(item, CancellationToken.None).ConfigureAwait(false);
        }
    }
}
