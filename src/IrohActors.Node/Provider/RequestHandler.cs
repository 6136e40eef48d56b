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
            while (reader.TryNext(out var item))
            {
                await stream.WriteAsync(item.Bytes, cancellationToken).ConfigureAwait(false);
                sent.Add(hash, item.Bytes.Length);
            }
        }
        return null;
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
