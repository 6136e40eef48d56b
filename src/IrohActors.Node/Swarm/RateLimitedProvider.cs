using System.Diagnostics;
using System.Net;
using IrohActors.Node.Identity;
using IrohActors.Node.Protocol;
using IrohActors.Node.Transport;
using IrohActors.Store;

namespace IrohActors.Node.Swarm;

/// <summary>
/// A deliberately slow provider: answers Observe and single-blob Gets from a store (verified items only, as the
/// real provider does) but sends at most a given number of bytes per second on each request. It stands in for a
/// peer behind a slow link in <c>bench swarm</c>; it has no limits, policy or events.
/// </summary>
public sealed class RateLimitedProvider : IAsyncDisposable
{
    private readonly SecretKey _key = SecretKey.Generate();
    private readonly NodeEndpoint _endpoint;
    private readonly NodeListener _listener;
    private readonly IBlobStore _store;
    private readonly long _bytesPerSecond;

    /// <summary>Listens on 127.0.0.1 and serves <paramref name="store"/> at <paramref name="bytesPerSecond"/> per request.</summary>
    public RateLimitedProvider(IBlobStore store, long bytesPerSecond)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentOutOfRangeException.ThrowIfLessThan(bytesPerSecond, 1);
        _store = store;
        _bytesPerSecond = bytesPerSecond;
        _endpoint = new NodeEndpoint(_key);
        _listener = _endpoint.Listen(new IPEndPoint(IPAddress.Loopback, 0), async (connection, ct) =>
        {
            try
            {
                while (true)
                {
                    var stream = await connection.AcceptStreamAsync(ct).ConfigureAwait(false);
                    _ = Task.Run(() => ServeAsync(stream), CancellationToken.None);
                }
            }
            catch (Exception e) when (e is ConnectionClosedException or OperationCanceledException)
            {
                // The connection ended.
            }
        });
    }

    /// <summary>Where to reach it.</summary>
    public NodeAddr Address => new(_key.NodeId, [_listener.LocalEndPoint]);

    private async Task ServeAsync(MuxStream stream)
    {
        try
        {
            switch (RequestCodec.Decode(stream.RequestHeader.Span))
            {
                case ObserveRequest observe:
                    var status = await _store.StatusAsync(observe.Hash).ConfigureAwait(false);
                    await stream.WriteAsync(ResponseFraming.ObserveItem(status.Size, status.Ranges & observe.Ranges)).ConfigureAwait(false);
                    break;
                case GetRequest get when get.Ranges.IsSingleBlob:
                    await ServeBlobAsync(stream, get).ConfigureAwait(false);
                    break;
                default:
                    await stream.WriteAsync(ResponseFraming.ErrorFrame(ErrorCode.BadRequest, "this provider serves single blobs only")).ConfigureAwait(false);
                    break;
            }
            await stream.CompleteWritesAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or MalformedRequestException or BlobStoreException)
        {
            stream.Reset(StreamErrorCode.Cancelled);
        }
        finally
        {
            await stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task ServeBlobAsync(MuxStream stream, GetRequest get)
    {
        BlobReader reader;
        try
        {
            reader = await _store.OpenReaderAsync(get.Hash, get.Ranges[0]).ConfigureAwait(false);
        }
        catch (BlobNotFoundException e)
        {
            await stream.WriteAsync(ResponseFraming.ErrorFrame(ErrorCode.NotFound, e.Message)).ConfigureAwait(false);
            return;
        }
        using (reader)
        {
            await stream.WriteAsync(ResponseFraming.BlobHeader(reader.Tree.Size)).ConfigureAwait(false);
            var clock = Stopwatch.StartNew();
            long sent = 0;
            while (reader.TryNext(out var item))
            {
                await stream.WriteAsync(item.Bytes).ConfigureAwait(false);
                sent += item.Bytes.Length;
                var due = TimeSpan.FromSeconds((double)sent / _bytesPerSecond);
                if (due > clock.Elapsed)
                    await Task.Delay(due - clock.Elapsed).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Stops listening and closes its connections.</summary>
    public async ValueTask DisposeAsync()
    {
        await _listener.DisposeAsync().ConfigureAwait(false);
        _endpoint.Dispose();
        _key.Dispose();
    }
}
