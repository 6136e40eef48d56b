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
                GetRequest get => await SendBatchedAsync(stream, sent, (output, ct) => ServeGetAsync(output, get, ct), cancellationToken).ConfigureAwait(false),
                GetManyRequest many => await SendBatchedAsync(stream, sent, (output, ct) => ServeGetManyAsync(output, many, ct), cancellationToken).ConfigureAwait(false),
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

    private async Task<(ErrorCode Code, string Message)?> ServeGetAsync(ResponseBatches output, GetRequest get, CancellationToken cancellationToken)
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
            var error = await ServeBlobAsync(output, link.Hash, ranges, cancellationToken).ConfigureAwait(false);
            if (error is not null)
                return error;
        }
        return null;
    }

    private async Task<(ErrorCode Code, string Message)?> ServeGetManyAsync(ResponseBatches output, GetManyRequest many, CancellationToken cancellationToken)
    {
        for (var i = 0; i < many.Hashes.Count; i++)
        {
            var ranges = many.Ranges[(ulong)i];
            if (ranges.IsEmpty)
                continue;
            var error = await ServeBlobAsync(output, many.Hashes[i], ranges, cancellationToken).ConfigureAwait(false);
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

    /// <summary>Appends one blob (size header, then its verified stream); returns an error to send instead when nothing of it can be served.</summary>
    private async Task<(ErrorCode Code, string Message)?> ServeBlobAsync(ResponseBatches output, Hash hash, ChunkRanges ranges, CancellationToken cancellationToken)
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
            output.Current = hash;
            await output.AppendAsync(ResponseFraming.BlobHeader(reader.Tree.Size), cancellationToken).ConfigureAwait(false);
            while (reader.TryNext(out var item))
                await output.AppendAsync(item.Bytes, cancellationToken).ConfigureAwait(false);
        }
        return null;
    }

    /// <summary>
    /// Produces the response (reading and verifying, on a pool thread) while this task sends it: every item of
    /// every blob of the request is packed into pooled batches of up to <see cref="BatchBytes"/>, handed over through a
    /// small bounded channel, so hashing overlaps with encryption, the mux sees few large writes whatever the blob
    /// sizes (a collection of small files travels in 256 KiB writes too), and there is one hand-off per batch, not per
    /// blob. A verification failure surfaces after the batches before it were sent, never with any of the failing
    /// item's bytes. The producer's error frame (not found, …), if any, is returned to be sent after the batches.
    /// </summary>
    private static async Task<(ErrorCode Code, string Message)?> SendBatchedAsync(MuxStream stream, SentCounter sent, Func<ResponseBatches, CancellationToken, Task<(ErrorCode Code, string Message)?>> produce, CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<(byte[] Buffer, int Length, Hash Hash)>(new BoundedChannelOptions(3) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var producer = Task.Run(async () =>
        {
            var output = new ResponseBatches(channel.Writer);
            try
            {
                var error = await produce(output, stop.Token).ConfigureAwait(false);
                await output.FlushAsync(stop.Token).ConfigureAwait(false);
                return error;
            }
            finally
            {
                output.Dispose();
            }
        }, CancellationToken.None);
        _ = producer.ContinueWith(t => channel.Writer.TryComplete(t.Exception?.InnerException), TaskScheduler.Default);
        try
        {
            await foreach (var (buffer, length, hash) in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
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
            return await producer.ConfigureAwait(false);
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
            catch (Exception) when (!producer.IsCompletedSuccessfully)
            {
                // Its failure reached the channel and was thrown by the loop above (or a send failure came first).
            }
            while (channel.Reader.TryRead(out var left))
                ArrayPool<byte>.Shared.Return(left.Buffer);
        }
    }

    /// <summary>The producer's side of <see cref="SendBatchedAsync"/>: packs response bytes into pooled batches.</summary>
    private sealed class ResponseBatches(ChannelWriter<(byte[] Buffer, int Length, Hash Hash)> writer) : IDisposable
    {
        private byte[]? _buffer = ArrayPool<byte>.Shared.Rent(BatchBytes);
        private int _length;

        /// <summary>The blob being appended (for progress events).</summary>
        public Hash Current { get; set; }

        public ValueTask AppendAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
        {
            var buffer = _buffer ?? throw new ObjectDisposedException(nameof(ResponseBatches));
            if (_length + bytes.Length <= buffer.Length)
            {
                bytes.Span.CopyTo(buffer.AsSpan(_length));
                _length += bytes.Length;
                return ValueTask.CompletedTask;
            }
            return AppendSlowAsync(bytes, cancellationToken);
        }

        private async ValueTask AppendSlowAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
        {
            await FlushAsync(cancellationToken).ConfigureAwait(false);
            if (bytes.Length > _buffer!.Length)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = ArrayPool<byte>.Shared.Rent(bytes.Length);
            }
            bytes.Span.CopyTo(_buffer);
            _length = bytes.Length;
        }

        /// <summary>Hands the current batch (if not empty) to the sender.</summary>
        public async ValueTask FlushAsync(CancellationToken cancellationToken)
        {
            if (_buffer is null || _length == 0)
                return;
            var full = _buffer;
            _buffer = null;
            try
            {
                await writer.WriteAsync((full, _length, Current), cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                ArrayPool<byte>.Shared.Return(full);
                throw;
            }
            _buffer = ArrayPool<byte>.Shared.Rent(BatchBytes);
            _length = 0;
        }

        public void Dispose()
        {
            if (_buffer is not null)
                ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
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
