using System.Buffers;
using System.Diagnostics;
using System.Threading.Channels;
using IrohActors.Bao;
using IrohActors.Blake3;
using IrohActors.Collections;
using IrohActors.Node.Identity;
using IrohActors.Node.Protocol;
using IrohActors.Node.Transport;
using IrohActors.Store;

namespace IrohActors.Node.Provider;

/// <summary>
/// Writes the response to one admitted request from the store. Only items that came out of the store's verified
/// reader are sent; a blob that turns out corrupt part-way resets the stream (Internal), because an error frame
/// cannot follow a partial blob.
/// </summary>
internal sealed class RequestHandler
{
    private const int BatchBytes = 256 * 1024;
    private readonly IBlobStore _store;
    private readonly ProviderOptions _options;
    private readonly Action<ProviderEvent> _publish;

    public RequestHandler(IBlobStore store, ProviderOptions options, Action<ProviderEvent> publish)
    {
        _store = store;
        _options = options;
        _publish = publish;
    }

    /// <summary>Serves <paramref name="request"/> on <paramref name="stream"/> and finishes the stream.</summary>
    public async Task ServeAsync(long id, NodeId peer, MuxStream stream, BlobRequest request, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var sent = new SentCounter(id, peer, _options.ProgressEventBytes, _publish);
        _publish(new ProviderRequestStarted(id, peer, request));
        try
        {
            var error = request switch
            {
                GetRequest get => await ServeGetAsync(stream, get, sent, cancellationToken).ConfigureAwait(false),
                GetManyRequest many => await ServeGetManyAsync(stream, many, sent, cancellationToken).ConfigureAwait(false),
                ObserveRequest observe => await ServeObserveAsync(stream, observe, sent, cancellationToken).ConfigureAwait(false),
                _ => (ErrorCode.BadRequest, $"unsupported request {request.Type}"),
            };
            if (error is { } e)
            {
                await stream.WriteAsync(ResponseFraming.ErrorFrame(e.Code, e.Message), cancellationToken).ConfigureAwait(false);
                _publish(new ProviderRequestFailed(id, peer, e.Code, e.Message));
            }
            await stream.CompleteWritesAsync(cancellationToken).ConfigureAwait(false);
            if (error is null)
                _publish(new ProviderRequestCompleted(id, peer, sent.Total, clock.Elapsed));
        }
        catch (BlobCorruptException e)
        {
            stream.Reset(StreamErrorCode.Internal);
            _publish(new ProviderRequestFailed(id, peer, ErrorCode.Internal, e.Message));
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            stream.Reset(StreamErrorCode.Cancelled);
            _publish(new ProviderRequestFailed(id, peer, null, e.Message));
        }
        catch (Exception e)
        {
            // For example a collection that turns out malformed half-way: the requester sees a reset, the event says why.
            stream.Reset(StreamErrorCode.Internal);
            _publish(new ProviderRequestFailed(id, peer, ErrorCode.Internal, $"{e.GetType().Name}: {e.Message}"));
        }
        finally
        {
            await stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Answers a refused request with an error frame and finishes the stream.</summary>
    public static async Task RefuseAsync(MuxStream stream, ErrorCode code, string message)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await stream.WriteAsync(ResponseFraming.ErrorFrame(code, message), timeout.Token).ConfigureAwait(false);
            await stream.CompleteWritesAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            // The requester is gone; nothing more to tell it.
        }
        finally
        {
            await stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task<(ErrorCode Code, string Message)?> ServeGetAsync(MuxStream stream, GetRequest get, SentCounter sent, CancellationToken cancellationToken)
    {
        var rootRanges = get.Ranges[0];
        if (!rootRanges.IsEmpty)
        {
            var error = await ServeBlobAsync(stream, get.Hash, rootRanges, sent, cancellationToken).ConfigureAwait(false);
            if (error is not null || get.Ranges.IsSingleBlob)
                return error;
        }
        else if (get.Ranges.IsSingleBlob)
            return null;
        CollectionReader collection;
        try
        {
            collection = await CollectionReader.OpenAsync(await StoreBlobReader.OpenAsync(_store, get.Hash, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }
        catch (BlobNotFoundException e)
        {
            return (ErrorCode.NotFound, $"collection {get.Hash}: {e.Message}");
        }
        catch (CollectionFormatException e)
        {
            return (ErrorCode.BadRequest, $"blob {get.Hash} is not a collection: {e.Message}");
        }
        var end = get.Ranges.End;
        ulong offset = 1;
        await foreach (var link in collection.EnumerateAsync(cancellationToken).ConfigureAwait(false))
        {
            if (end is { } e && offset >= e)
                break;
            var ranges = get.Ranges[offset++];
            if (ranges.IsEmpty)
                continue;
            var error = await ServeBlobAsync(stream, link.Hash, ranges, sent, cancellationToken).ConfigureAwait(false);
            if (error is not null)
                return error;
        }
        return null;
    }

    private async Task<(ErrorCode Code, string Message)?> ServeGetManyAsync(MuxStream stream, GetManyRequest many, SentCounter sent, CancellationToken cancellationToken)
    {
        for (var i = 0; i < many.Hashes.Count; i++)
        {
            var ranges = many.Ranges[(ulong)i];
            if (ranges.IsEmpty)
                continue;
            var error = await ServeBlobAsync(stream, many.Hashes[i], ranges, sent, cancellationToken).ConfigureAwait(false);
            if (error is not null)
                return error;
        }
        return null;
    }

    private async Task<(ErrorCode Code, string Message)?> ServeObserveAsync(MuxStream stream, ObserveRequest observe, SentCounter sent, CancellationToken cancellationToken)
    {
        ChunkRanges? last = null;
        // A follower that silently goes away is only noticed on the next write; the connection's end stops it in any case.
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _ = stream.Connection.Completion.ContinueWith(static (_, state) =>
        {
            try
            {
                ((CancellationTokenSource)state!).Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The observation ended first.
            }
        }, linked, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        cancellationToken = linked.Token;
        await foreach (var status in _store.ObserveAsync(observe.Hash, cancellationToken).ConfigureAwait(false))
        {
            var ranges = status.Ranges & observe.Ranges;
            if (last is { } l && l == ranges)
                continue;
            last = ranges;
            var item = ResponseFraming.ObserveItem(status.Size, ranges);
            await stream.WriteAsync(item, cancellationToken).ConfigureAwait(false);
            sent.Add(observe.Hash, item.Length);
            if (!observe.Follow)
                break;
        }
        return null;
    }

    /// <summary>Sends one blob (size header, then its verified stream); returns an error to send instead when nothing of it can be served.</summary>
    private async Task<(ErrorCode Code, string Message)?> ServeBlobAsync(MuxStream stream, Hash hash, ChunkRanges ranges, SentCounter sent, CancellationToken cancellationToken)
    {
        BlobReader reader;
        try
        {
            reader = await _store.OpenReaderAsync(hash, ranges, cancellationToken).ConfigureAwait(false);
        }
        catch (BlobNotFoundException e)
        {
            return (ErrorCode.NotFound, e.Message);
        }
        catch (BlobCorruptException e)
        {
            return (ErrorCode.Internal, e.Message);
        }
        using (reader)
        {
            var header = ResponseFraming.BlobHeader(reader.Tree.Size);
            await stream.WriteAsync(header, cancellationToken).ConfigureAwait(false);
            sent.Add(hash, header.Length);
            await PipelinedSendAsync(stream, reader, hash, sent, cancellationToken).ConfigureAwait(false);
        }
        return null;
    }

    /// <summary>
    /// Verifies (reader, on a pool thread) and sends (this task) at the same time: verified items are packed into
    /// pooled batches of up to <see cref="BatchBytes"/> handed over through a small bounded channel, so hashing
    /// overlaps with encryption and the mux sees few, large writes. A verification failure surfaces after the
    /// batches before it were sent, never with any of the failing item's bytes.
    /// </summary>
    private static async Task PipelinedSendAsync(MuxStream stream, BlobReader reader, Hash hash, SentCounter sent, CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<(byte[] Buffer, int Length)>(new BoundedChannelOptions(3) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var producer = Task.Run(async () =>
        {
            var buffer = ArrayPool<byte>.Shared.Rent(BatchBytes);
            var length = 0;
            try
            {
                while (reader.TryNext(out var item))
                {
                    if (length + item.Bytes.Length > buffer.Length)
                    {
                        await channel.Writer.WriteAsync((buffer, length), stop.Token).ConfigureAwait(false);
                        buffer = ArrayPool<byte>.Shared.Rent(Math.Max(BatchBytes, item.Bytes.Length));
                        length = 0;
                    }
                    item.Bytes.Span.CopyTo(buffer.AsSpan(length));
                    length += item.Bytes.Length;
                }
                await channel.Writer.WriteAsync((buffer, length), stop.Token).ConfigureAwait(false);
                buffer = null;
            }
            finally
            {
                if (buffer is not null)
                    ArrayPool<byte>.Shared.Return(buffer);
            }
        }, CancellationToken.None);
        _ = producer.ContinueWith(t => channel.Writer.TryComplete(t.Exception?.InnerException), TaskScheduler.Default);
        try
        {
            await foreach (var (buffer, length) in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    await stream.WriteAsync(buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
                    sent.Add(hash, length);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
        finally
        {
            stop.Cancel();
            try
            {
                await producer.ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // We stopped it because sending failed; that failure is what propagates.
            }
            while (channel.Reader.TryRead(out var left))
                ArrayPool<byte>.Shared.Return(left.Buffer);
        }
    }

    /// <summary>Counts response bytes and publishes a progress event every so many.</summary>
    private sealed class SentCounter(long id, NodeId peer, long step, Action<ProviderEvent> publish)
    {
        private long _next;

        public long Total { get; private set; }

        public void Add(Hash hash, long bytes)
        {
            Total += bytes;
            if (_next == 0)
                _next = step;
            if (Total < _next)
                return;
            _next = Total + step;
            publish(new ProviderBytesSent(id, peer, hash, Total));
        }
    }
}
