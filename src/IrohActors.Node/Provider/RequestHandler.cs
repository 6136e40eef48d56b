using System.Diagnostics;
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
                GetRequest get => await ServeGetAsync(new ResponseOutput(stream, sent), get, cancellationToken).ConfigureAwait(false),
                GetManyRequest many => await ServeGetManyAsync(new ResponseOutput(stream, sent), many, cancellationToken).ConfigureAwait(false),
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

    private async Task<(ErrorCode Code, string Message)?> ServeGetAsync(ResponseOutput output, GetRequest get, CancellationToken cancellationToken)
    {
        var rootRanges = get.Ranges[0];
        if (!rootRanges.IsEmpty)
        {
            var error = await ServeBlobAsync(output, get.Hash, rootRanges, null, cancellationToken).ConfigureAwait(false);
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
        var children = new List<(Hash Hash, ChunkRanges Ranges)>(LookupBatch);
        await foreach (var link in collection.EnumerateAsync(cancellationToken).ConfigureAwait(false))
        {
            if (end is { } e && offset >= e)
                break;
            var ranges = get.Ranges[offset++];
            if (ranges.IsEmpty)
                continue;
            children.Add((link.Hash, ranges));
            if (children.Count < LookupBatch)
                continue;
            if (await ServeBlobsAsync(output, children, cancellationToken).ConfigureAwait(false) is { } error)
                return error;
            children.Clear();
        }
        return await ServeBlobsAsync(output, children, cancellationToken).ConfigureAwait(false);
    }

    private async Task<(ErrorCode Code, string Message)?> ServeGetManyAsync(ResponseOutput output, GetManyRequest many, CancellationToken cancellationToken)
    {
        var blobs = new List<(Hash Hash, ChunkRanges Ranges)>(LookupBatch);
        for (var i = 0; i < many.Hashes.Count; i++)
        {
            var ranges = many.Ranges[(ulong)i];
            if (ranges.IsEmpty)
                continue;
            blobs.Add((many.Hashes[i], ranges));
            if (blobs.Count < LookupBatch)
                continue;
            if (await ServeBlobsAsync(output, blobs, cancellationToken).ConfigureAwait(false) is { } error)
                return error;
            blobs.Clear();
        }
        return await ServeBlobsAsync(output, blobs, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Blobs looked up in the store together (one database read for their records instead of one or two each).</summary>
    private const int LookupBatch = 512;

    /// <summary>Appends <paramref name="blobs"/> in order, their store records looked up together; stops at the first error.</summary>
    private async Task<(ErrorCode Code, string Message)?> ServeBlobsAsync(ResponseOutput output, List<(Hash Hash, ChunkRanges Ranges)> blobs, CancellationToken cancellationToken)
    {
        if (blobs.Count == 0)
            return null;
        var hashes = new Hash[blobs.Count];
        for (var i = 0; i < hashes.Length; i++)
            hashes[i] = blobs[i].Hash;
        var lookup = await _store.LookUpAsync(hashes, cancellationToken).ConfigureAwait(false);
        foreach (var (hash, ranges) in blobs)
        {
            if (await ServeBlobAsync(output, hash, ranges, lookup, cancellationToken).ConfigureAwait(false) is { } error)
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

    /// <summary>
    /// Appends one blob (size header, then its verified stream), opened through <paramref name="lookup"/> when given;
    /// returns an error to send instead when nothing of it can be served.
    /// </summary>
    private async Task<(ErrorCode Code, string Message)?> ServeBlobAsync(ResponseOutput output, Hash hash, ChunkRanges ranges, BlobLookup? lookup, CancellationToken cancellationToken)
    {
        BlobReader reader;
        try
        {
            reader = lookup is null
                ? await _store.OpenReaderAsync(hash, ranges, cancellationToken).ConfigureAwait(false)
                : await lookup.OpenReaderAsync(hash, ranges, cancellationToken).ConfigureAwait(false);
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
            output.Current = hash;
            await output.AppendAsync(ResponseFraming.BlobHeader(reader.Tree.Size), cancellationToken).ConfigureAwait(false);
            while (reader.TryNext(out var item))
                await output.AppendAsync(item.Bytes, cancellationToken).ConfigureAwait(false);
        }
        return null;
    }

    /// <summary>
    /// Where a Get's items go: each verified item is written straight into the stream (the mux copies it into its
    /// send batch, where consecutive items of the stream share one DATA frame), so the bytes the store's reader verified
    /// are copied once before TLS encrypts them. The store's encoder reads and hashes its windows ahead on pool
    /// threads, and the mux's send loop encrypts the previous batch while this one fills: the three overlap. A
    /// verification failure surfaces after every item before it was sent, never with any of the failing item's bytes.
    /// </summary>
    private sealed class ResponseOutput(MuxStream stream, SentCounter sent)
    {
        /// <summary>The blob being appended (for progress events).</summary>
        public Hash Current { get; set; }

        public async ValueTask AppendAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
        {
            await stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            sent.Add(Current, bytes.Length);
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
