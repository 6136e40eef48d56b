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
        var output = new ResponseOutput(stream, sent);
        using var stalled = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var watchdog = StartWatchdog(output, stalled);
        _publish(new ProviderRequestStarted(id, peer, request));
        try
        {
            var error = request switch
            {
                GetRequest get => await ServeGetAsync(output, get, stalled.Token).ConfigureAwait(false),
                GetManyRequest many => await ServeGetManyAsync(output, many, stalled.Token).ConfigureAwait(false),
                ObserveRequest observe => await ServeObserveAsync(stream, observe, sent, cancellationToken).ConfigureAwait(false),
                _ => (ErrorCode.BadRequest, $"unsupported request {request.Type}"),
            };
            if (error is { } e)
            {
                // Through the output, as the items: a requester that takes nothing stalls this write too.
                await output.AppendAsync(ResponseFraming.ErrorFrame(e.Code, e.Message), stalled.Token).ConfigureAwait(false);
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
        catch (OperationCanceledException) when (stalled.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            stream.Reset(StreamErrorCode.Cancelled);
            _publish(new ProviderRequestFailed(id, peer, ErrorCode.Limit,
                $"the requester took nothing for {_options.StallTimeout.TotalSeconds:0.###} s (iroh.provider.stall-timeout): response dropped after {sent.Total} bytes"));
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

    /// <summary>
    /// Cancels <paramref name="stalled"/> once a write of <paramref name="output"/> has waited <see cref="ProviderOptions.StallTimeout"/>
    /// for the requester (checked four times per timeout, at most once a second); null when the timeout is infinite.
    /// Only waiting writes count: an Observe that waits for changes, or a response between items, is not stalled.
    /// </summary>
    private Timer? StartWatchdog(ResponseOutput output, CancellationTokenSource stalled)
    {
        if (_options.StallTimeout == Timeout.InfiniteTimeSpan)
            return null;
        var limit = (long)_options.StallTimeout.TotalMilliseconds;
        var period = TimeSpan.FromMilliseconds(Math.Clamp(limit / 4, 10, 1000));
        return new Timer(_ =>
        {
            if (output.WaitingMilliseconds < limit)
                return;
            try
            {
                stalled.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The request finished while the timer fired.
            }
        }, null, period, period);
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
            var error = await ServeBlobAsync(output, get.Hash, rootRanges, cancellationToken).ConfigureAwait(false);
            if (error is not null || get.Ranges.IsSingleBlob)
                return error;
        }
        else if (get.Ranges.IsSingleBlob)
            return null;
        CollectionReader collection;
        output.Flush();
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
        return await new BlobSequenceServer(_store).ServeAsync(output, ChildrenAsync(collection, get.Ranges, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The children a Get asks for, in collection order, with their ranges (offset <c>i + 1</c> is link <c>i</c>).</summary>
    private static async IAsyncEnumerable<(Hash Hash, ChunkRanges Ranges)> ChildrenAsync(CollectionReader collection, ChunkRangesSeq ranges, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var end = ranges.End;
        ulong offset = 1;
        await foreach (var link in collection.EnumerateAsync(cancellationToken).ConfigureAwait(false))
        {
            if (end is { } e && offset >= e)
                yield break;
            var childRanges = ranges[offset++];
            if (!childRanges.IsEmpty)
                yield return (link.Hash, childRanges);
        }
    }

    private Task<(ErrorCode Code, string Message)?> ServeGetManyAsync(ResponseOutput output, GetManyRequest many, CancellationToken cancellationToken) =>
        new BlobSequenceServer(_store).ServeAsync(output, BlobsOf(many), cancellationToken);

    private static IAsyncEnumerable<(Hash Hash, ChunkRanges Ranges)> BlobsOf(GetManyRequest many) =>
        Enumerable.Range(0, many.Hashes.Count)
            .Select(i => (Hash: many.Hashes[i], Ranges: many.Ranges[(ulong)i]))
            .Where(blob => !blob.Ranges.IsEmpty)
            .ToAsyncEnumerable();

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

    /// <summary>Appends one blob (size header, then its verified stream); returns an error to send instead when nothing of it can be served.</summary>
    private async Task<(ErrorCode Code, string Message)?> ServeBlobAsync(ResponseOutput output, Hash hash, ChunkRanges ranges, CancellationToken cancellationToken)
    {
        BlobReader reader;
        try
        {
            reader = await _store.OpenReaderAsync(hash, ranges, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (BlobSequenceServer.OpenError(e) is { } error)
        {
            return error;
        }
        using (reader)
            await BlobSequenceServer.StreamAsync(output, hash, reader, cancellationToken).ConfigureAwait(false);
        return null;
    }
}
