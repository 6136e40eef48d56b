using System.Threading.Channels;
using IrohActors.Bao;
using IrohActors.Blake3;
using IrohActors.Node.Protocol;
using IrohActors.Store;

namespace IrohActors.Node.Provider;

/// <summary>
/// Serves a sequence of blobs (a collection's children, GetMany's blobs) in request order, with the work per blob done
/// ahead of the writer and on more than one thread. A sequencer looks the blobs up in the store
/// <see cref="LookupBatch"/> at a time and cuts them into <see cref="PreparedBatch"/>es of about <see cref="BatchBytes"/>;
/// <see cref="Workers"/> workers take batches as they come and open, read and validate their blobs into framed items
/// (<see cref="BlobReader.EncodeTo"/>: read straight into the batch's buffer and hashed there); the writer sends the
/// batches in order, one stream write per batch. At most <see cref="BatchesAhead"/> batches are between the sequencer and
/// the writer. Every byte written was verified by the store's reader first; a blob that fails breaks the response
/// where it stands, after the items before it.
/// </summary>
internal sealed class BlobSequenceServer(IBlobStore store)
{
    /// <summary>Blobs looked up in the store together (one database read for their records instead of one or two each).</summary>
    public const int LookupBatch = 512;

    /// <summary>A blob whose item (header and verified stream) is larger is not held in a batch but streamed by the writer.</summary>
    public const int InlineMax = 256 * 1024;

    /// <summary>A batch ends before its framed items would exceed this.</summary>
    public const int BatchBytes = 256 * 1024;

    /// <summary>A batch holds at most this many blobs (empty ones take 9 bytes: without it, thousands per batch).</summary>
    public const int BatchBlobs = 128;

    /// <summary>Batches prepared or being prepared ahead of the one being written.</summary>
    public const int BatchesAhead = 6;

    /// <summary>Threads preparing batches at once.</summary>
    public static int Workers => Math.Clamp(Environment.ProcessorCount, 1, 2);

    /// <summary>Appends <paramref name="blobs"/> in order; returns the error that ends the response early, if any.</summary>
    /// <exception cref="BlobCorruptException">A blob failed verification after the response had begun with it (reset the stream).</exception>
    public async Task<(ErrorCode Code, string Message)?> ServeAsync(ResponseOutput output, IAsyncEnumerable<(Hash Hash, ChunkRanges Ranges)> blobs, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var ahead = new SemaphoreSlim(BatchesAhead);
        var ordered = Channel.CreateUnbounded<PreparedBatch>(new UnboundedChannelOptions { SingleWriter = true, SingleReader = true });
        var work = Channel.CreateUnbounded<PreparedBatch>(new UnboundedChannelOptions { SingleWriter = true });
        var sequencer = Task.Run(() => SequenceAsync(blobs, ordered.Writer, work.Writer, ahead, stop.Token), CancellationToken.None);
        var workers = new Task[Workers];
        for (var i = 0; i < workers.Length; i++)
            workers[i] = Task.Run(() => PrepareAllAsync(work.Reader, stop.Token), CancellationToken.None);
        // A batch whose worker may still be filling it when the writer stops: disposed only after the workers ended.
        PreparedBatch? unfinished = null;
        try
        {
            while (true)
            {
                if (!ordered.Reader.TryRead(out var batch))
                {
                    // What was appended leaves before the writer waits for the next batch.
                    output.Flush();
                    if (!await ordered.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                        break;
                    continue;
                }
                unfinished = batch;
                if (!batch.Ready.IsCompleted)
                    output.Flush();
                await batch.Ready.WaitAsync(cancellationToken).ConfigureAwait(false);
                unfinished = null;
                try
                {
                    if (await WriteAsync(output, batch, cancellationToken).ConfigureAwait(false) is { } error)
                        return error;
                }
                finally
                {
                    batch.Dispose();
                    ahead.Release();
                }
            }
            // The sequence ended; if it ended because listing the blobs failed (a malformed collection), say so now,
            // after every blob before the failure went out.
            (await sequencer.ConfigureAwait(false))?.Throw();
            return null;
        }
        finally
        {
            stop.Cancel();
            try
            {
                await Task.WhenAll(workers.Append(sequencer)).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The workers stop where they are; their batches are disposed below.
            }
            unfinished?.Dispose();
            while (ordered.Reader.TryRead(out var left))
                left.Dispose();
        }
    }

    /// <summary>Sends one batch's parts; the error that ends the response, if it holds one.</summary>
    private static async ValueTask<(ErrorCode Code, string Message)?> WriteAsync(ResponseOutput output, PreparedBatch batch, CancellationToken cancellationToken)
    {
        foreach (var part in batch.Parts)
        {
            switch (part)
            {
                case FramedBlobs framed:
                    output.Current = framed.Last;
                    await output.AppendAsync(framed.Buffer.AsMemory(0, framed.Length), cancellationToken).ConfigureAwait(false);
                    break;
                case StreamedBlob streamed:
                    await StreamAsync(output, streamed.Hash, streamed.Reader, cancellationToken).ConfigureAwait(false);
                    break;
                case StopWith stopWith:
                    return (stopWith.Code, stopWith.Message);
                case BreakWith breakWith:
                    breakWith.Error.Throw();
                    break;
            }
        }
        return null;
    }

    /// <summary>
    /// The error frame for a blob that could not be opened: not found (absent or incomplete), or internal (its stored
    /// bytes failed verification); null for any other failure, which is not the requester's to hear about.
    /// </summary>
    public static (ErrorCode Code, string Message)? OpenError(Exception e) => e switch
    {
        BlobNotFoundException => (ErrorCode.NotFound, e.Message),
        BlobCorruptException => (ErrorCode.Internal, e.Message),
        _ => null,
    };

    /// <summary>Appends one blob item from its open reader: the size header, then each verified item as it comes.</summary>
    public static async ValueTask StreamAsync(ResponseOutput output, Hash hash, BlobReader reader, CancellationToken cancellationToken)
    {
        output.Current = hash;
        // Read, verified and encrypted on this request's thread: a provider's cores are shared by its requests.
        reader.Parallel = false;
        await output.AppendAsync(ResponseFraming.BlobHeader(reader.Tree.Size), cancellationToken).ConfigureAwait(false);
        while (reader.TryNext(out var item))
            await output.AppendAsync(item.Bytes, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Looks the blobs up and cuts them into batches, handing each to the writer (in order) and to the workers.</summary>
    private async Task<System.Runtime.ExceptionServices.ExceptionDispatchInfo?> SequenceAsync(IAsyncEnumerable<(Hash Hash, ChunkRanges Ranges)> blobs, ChannelWriter<PreparedBatch> ordered, ChannelWriter<PreparedBatch> work, SemaphoreSlim ahead, CancellationToken cancellationToken)
    {
        try
        {
            var pending = new List<(Hash Hash, ChunkRanges Ranges)>(LookupBatch);
            await foreach (var blob in blobs.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                pending.Add(blob);
                if (pending.Count < LookupBatch)
                    continue;
                await DispatchAsync(pending, ordered, work, ahead, cancellationToken).ConfigureAwait(false);
                pending.Clear();
            }
            await DispatchAsync(pending, ordered, work, ahead, cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (Exception e)
        {
            return System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e);
        }
        finally
        {
            // The writer sends every batch handed over, then learns how the sequence ended.
            ordered.TryComplete();
            work.TryComplete();
        }
    }

    private async Task DispatchAsync(List<(Hash Hash, ChunkRanges Ranges)> blobs, ChannelWriter<PreparedBatch> ordered, ChannelWriter<PreparedBatch> work, SemaphoreSlim ahead, CancellationToken cancellationToken)
    {
        if (blobs.Count == 0)
            return;
        var hashes = new Hash[blobs.Count];
        for (var i = 0; i < hashes.Length; i++)
            hashes[i] = blobs[i].Hash;
        var lookup = await store.LookUpAsync(hashes, cancellationToken).ConfigureAwait(false);
        PreparedBatch? batch = null;
        foreach (var (hash, ranges) in blobs)
        {
            // A blob not complete at the lookup, or too big to hold, goes alone: its worker finds out what it is.
            var bytes = lookup.TryGetCompleteSize(hash, out var size) ? ItemBytes(size, ranges) : ulong.MaxValue;
            if (bytes > InlineMax)
            {
                await HandOverAsync(batch, ordered, work, ahead, cancellationToken).ConfigureAwait(false);
                batch = new PreparedBatch(lookup);
                batch.Add(hash, ranges, 0);
                await HandOverAsync(batch, ordered, work, ahead, cancellationToken).ConfigureAwait(false);
                batch = null;
                continue;
            }
            if (batch is not null && (batch.EstimatedBytes + (int)bytes > BatchBytes || batch.Blobs.Count == BatchBlobs))
            {
                await HandOverAsync(batch, ordered, work, ahead, cancellationToken).ConfigureAwait(false);
                batch = null;
            }
            batch ??= new PreparedBatch(lookup);
            batch.Add(hash, ranges, (int)bytes);
        }
        await HandOverAsync(batch, ordered, work, ahead, cancellationToken).ConfigureAwait(false);
    }

    private static async ValueTask HandOverAsync(PreparedBatch? batch, ChannelWriter<PreparedBatch> ordered, ChannelWriter<PreparedBatch> work, SemaphoreSlim ahead, CancellationToken cancellationToken)
    {
        if (batch is null)
            return;
        await ahead.WaitAsync(cancellationToken).ConfigureAwait(false);
        // The writer's channel first: whatever happens next, the batch is disposed from there.
        ordered.TryWrite(batch);
        work.TryWrite(batch);
    }

    /// <summary>Bytes of a blob item (header and verified stream) of <paramref name="size"/> bytes for <paramref name="ranges"/>.</summary>
    private ulong ItemBytes(ulong size, ChunkRanges ranges)
    {
        var tree = new BaoTree(size, store.BlockSize);
        var stream = ranges.IsAll ? size + tree.OutboardSize : ResponseWalk.EncodedLength(tree, ranges);
        return ResponseFraming.BlobHeaderSize + stream;
    }

    private static async Task PrepareAllAsync(ChannelReader<PreparedBatch> work, CancellationToken cancellationToken)
    {
        await foreach (var batch in work.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            await batch.PrepareAsync(InlineMax, cancellationToken).ConfigureAwait(false);
    }
}

