using System.Buffers;
using System.Runtime.ExceptionServices;
using IrohActors.Bao;
using IrohActors.Blake3;
using IrohActors.Node.Protocol;
using IrohActors.Store;

namespace IrohActors.Node.Provider;

/// <summary>
/// Consecutive blobs of a response, read and validated together by one worker ahead of the writer: what the writer
/// then sends, in order, is a list of <see cref="BatchPart"/>s — framed blob items in one pooled buffer (only bytes the
/// store's reader verified), a blob too big to hold (streamed by the writer from its open reader), or why the response
/// stops there.
/// </summary>
internal sealed class PreparedBatch(BlobLookup lookup) : IDisposable
{
    private readonly List<(Hash Hash, ChunkRanges Ranges)> _blobs = [];
    private readonly List<BatchPart> _parts = [];
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The blobs of the batch, in response order.</summary>
    public IReadOnlyList<(Hash Hash, ChunkRanges Ranges)> Blobs => _blobs;

    /// <summary>The lookup the blobs' store records came from.</summary>
    public BlobLookup Lookup => lookup;

    /// <summary>What the sequencer expects the batch's framed items to take (the worker's first buffer).</summary>
    public int EstimatedBytes { get; private set; }

    /// <summary>What to send, in order; complete once <see cref="Ready"/> completed.</summary>
    public IReadOnlyList<BatchPart> Parts => _parts;

    /// <summary>Completes (never faults) when the worker is done with the batch.</summary>
    public Task Ready => _ready.Task;

    public void Add(Hash hash, ChunkRanges ranges, int estimatedBytes)
    {
        _blobs.Add((hash, ranges));
        EstimatedBytes += estimatedBytes;
    }

    /// <summary>
    /// Opens, reads and validates every blob (on the calling worker thread): items of up to <paramref name="inlineMax"/>
    /// bytes are written, header and verified stream, one after another into a pooled buffer; bigger blobs are left open
    /// for the writer to stream. Stops at the first blob that cannot be served. Always completes <see cref="Ready"/>.
    /// </summary>
    public async Task PrepareAsync(int inlineMax, CancellationToken cancellationToken)
    {
        var framed = new FramedWriter(EstimatedBytes);
        try
        {
            foreach (var (hash, ranges) in _blobs)
            {
                cancellationToken.ThrowIfCancellationRequested();
                BlobReader reader;
                try
                {
                    reader = await lookup.OpenReaderAsync(hash, ranges, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (BlobSequenceServer.OpenError(e) is { } error)
                {
                    Stop(ref framed, new StopWith(error.Code, error.Message));
                    return;
                }
                var encoded = reader.EncodedLength;
                if (encoded > (ulong)(inlineMax - ResponseFraming.BlobHeaderSize))
                {
                    framed.FlushTo(_parts);
                    _parts.Add(new StreamedBlob(hash, reader));
                    continue;
                }
                using (reader)
                {
                    var item = framed.Reserve(ResponseFraming.BlobHeaderSize + (int)encoded);
                    ResponseFraming.WriteBlobHeader(item, reader.Tree.Size);
                    // Verified in place: on a failure the item is not committed, and nothing of it is sent.
                    reader.EncodeTo(item[ResponseFraming.BlobHeaderSize..]);
                    framed.Commit(item.Length, hash);
                }
            }
            framed.FlushTo(_parts);
        }
        catch (Exception e)
        {
            Stop(ref framed, new BreakWith(ExceptionDispatchInfo.Capture(e)));
        }
        finally
        {
            framed.Dispose();
            _ready.TrySetResult();
        }
    }

    private void Stop(ref FramedWriter framed, BatchPart why)
    {
        framed.FlushTo(_parts);
        _parts.Add(why);
    }

    /// <summary>Returns the buffers and closes the readers the writer did not use (it may have stopped early).</summary>
    public void Dispose()
    {
        foreach (var part in _parts)
            part.Dispose();
        _parts.Clear();
    }

    /// <summary>A pooled buffer that framed items are appended to; committed items become a <see cref="FramedBlobs"/> part.</summary>
    private struct FramedWriter(int initialBytes) : IDisposable
    {
        private byte[]? _buffer;
        private int _length;
        private Hash _last;

        /// <summary>Room for an item of <paramref name="bytes"/> after the committed ones (growing the buffer when needed).</summary>
        public Span<byte> Reserve(int bytes)
        {
            if (_buffer is null || _buffer.Length - _length < bytes)
            {
                var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(initialBytes, _length + bytes));
                if (_buffer is not null)
                {
                    _buffer.AsSpan(0, _length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(_buffer);
                }
                _buffer = bigger;
            }
            return _buffer.AsSpan(_length, bytes);
        }

        public void Commit(int bytes, Hash hash)
        {
            _length += bytes;
            _last = hash;
        }

        /// <summary>Hands the committed items over as one part (the buffer goes with them).</summary>
        public void FlushTo(List<BatchPart> parts)
        {
            if (_length == 0)
                return;
            parts.Add(new FramedBlobs(_buffer!, _length, _last));
            _buffer = null;
            _length = 0;
        }

        public void Dispose()
        {
            if (_buffer is not null)
                ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
            _length = 0;
        }
    }
}

/// <summary>Something a <see cref="PreparedBatch"/> sends or does, in order.</summary>
internal abstract record BatchPart : IDisposable
{
    public virtual void Dispose()
    {
    }
}

/// <summary>Complete blob items (header and verified stream each) in a pooled buffer; <paramref name="Last"/> is the last one's hash.</summary>
internal sealed record FramedBlobs(byte[] Buffer, int Length, Hash Last) : BatchPart
{
    private int _returned;

    public override void Dispose()
    {
        if (Interlocked.Exchange(ref _returned, 1) == 0)
            ArrayPool<byte>.Shared.Return(Buffer);
    }
}

/// <summary>A blob too big to hold, its reader open: the writer streams it item by item.</summary>
internal sealed record StreamedBlob(Hash Hash, BlobReader Reader) : BatchPart
{
    public override void Dispose() => Reader.Dispose();
}

/// <summary>The response ends here with an error frame.</summary>
internal sealed record StopWith(ErrorCode Code, string Message) : BatchPart;

/// <summary>The response breaks here (the writer rethrows; a corrupt blob resets the stream).</summary>
internal sealed record BreakWith(ExceptionDispatchInfo Error) : BatchPart;
