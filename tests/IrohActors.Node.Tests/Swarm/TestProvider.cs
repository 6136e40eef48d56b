using System.Diagnostics;
using System.Net;
using IrohActors.Bao;
using IrohActors.Node.Identity;
using IrohActors.Node.Protocol;
using IrohActors.Node.Transport;
using IrohActors.Store;

namespace IrohActors.Node.Tests.Swarm;

/// <summary>
/// A test-only provider on 127.0.0.1 that answers Observe and single-blob Gets from a store, optionally sending at
/// a limited rate (a throttled peer) or flipping a byte in every leaf it sends (a corrupting peer). Disposing it
/// kills it: the listener and every connection close at once.
/// </summary>
internal sealed class TestProvider : IAsyncDisposable
{
    private readonly SecretKey _key = SecretKey.Generate();
    private readonly NodeEndpoint _endpoint;
    private readonly NodeListener _listener;
    private readonly IBlobStore _store;
    private readonly long? _bytesPerSecond;
    private readonly bool _corrupt;
    private readonly List<NodeConnection> _connections = [];
    private long _leafBytesSent;
    private readonly CancellationTokenSource _silence = new();
    private int _disposed;

    private readonly long? _stallAfter;

    /// <summary>Serves <paramref name="store"/>; <paramref name="stallAfter"/>: after that many bytes of a response, it goes silent (never ends the stream).</summary>
    public TestProvider(IBlobStore store, long? bytesPerSecond = null, bool corrupt = false, long? stallAfter = null)
    {
        _stallAfter = stallAfter;
        _store = store;
        _bytesPerSecond = bytesPerSecond;
        _corrupt = corrupt;
        _endpoint = new NodeEndpoint(_key);
        _listener = _endpoint.Listen(new IPEndPoint(IPAddress.Loopback, 0), async (connection, ct) =>
        {
            lock (_connections)
                _connections.Add(connection);
            try
            {
                while (true)
                {
                    var stream = await connection.AcceptStreamAsync(ct);
                    _ = Task.Run(() => ServeAsync(stream));
                }
            }
            catch (Exception e) when (e is ConnectionClosedException or OperationCanceledException)
            {
            }
        });
    }

    public NodeId NodeId => _key.NodeId;

    public NodeAddr Address => new(NodeId, [_listener.LocalEndPoint]);

    /// <summary>Data (leaf) bytes sent so far.</summary>
    public long LeafBytesSent => Interlocked.Read(ref _leafBytesSent);

    private async Task ServeAsync(MuxStream stream)
    {
        try
        {
            switch (RequestCodec.Decode(stream.RequestHeader.Span))
            {
                case ObserveRequest observe:
                    {
                        var status = await _store.StatusAsync(observe.Hash);
                        await stream.WriteAsync(ResponseFraming.ObserveItem(status.Size, status.Ranges & observe.Ranges));
                        break;
                    }
                case GetRequest get when get.Ranges.IsSingleBlob:
                    await ServeBlobAsync(stream, get);
                    break;
                default:
                    await stream.WriteAsync(ResponseFraming.ErrorFrame(ErrorCode.BadRequest, "the test provider serves single blobs only"));
                    break;
            }
            await stream.CompleteWritesAsync();
        }
        catch (Exception)
        {
            stream.Reset(StreamErrorCode.Cancelled);
        }
        finally
        {
            await stream.DisposeAsync();
        }
    }

    private async Task ServeBlobAsync(MuxStream stream, GetRequest get)
    {
        BlobReader reader;
        try
        {
            reader = await _store.OpenReaderAsync(get.Hash, get.Ranges[0]);
        }
        catch (BlobNotFoundException e)
        {
            await stream.WriteAsync(ResponseFraming.ErrorFrame(ErrorCode.NotFound, e.Message));
            return;
        }
        using (reader)
        {
            await stream.WriteAsync(ResponseFraming.BlobHeader(reader.Tree.Size));
            var clock = Stopwatch.StartNew();
            long sent = 0;
            var pending = new MemoryStream();
            while (reader.TryNext(out var item))
            {
                var bytes = item.Bytes.ToArray();
                if (!item.IsParent)
                {
                    if (_corrupt && bytes.Length > 0)
                        bytes[bytes.Length / 2] ^= 0x40;
                    Interlocked.Add(ref _leafBytesSent, bytes.Length);
                }
                pending.Write(bytes);
                if (_stallAfter is { } stall && sent + pending.Length >= stall)
                {
                    await stream.WriteAsync(pending.GetBuffer().AsMemory(0, (int)pending.Length));
                    await Task.Delay(Timeout.Infinite, _silence.Token);
                }
                if (pending.Length >= 64 * 1024 || _bytesPerSecond is not null)
                {
                    await stream.WriteAsync(pending.GetBuffer().AsMemory(0, (int)pending.Length));
                    sent += pending.Length;
                    pending.SetLength(0);
                    if (_bytesPerSecond is { } rate)
                    {
                        var due = TimeSpan.FromSeconds((double)sent / rate);
                        if (due > clock.Elapsed)
                            await Task.Delay(due - clock.Elapsed);
                    }
                }
            }
            await stream.WriteAsync(pending.GetBuffer().AsMemory(0, (int)pending.Length));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
            return;
        _silence.Cancel();
        await _listener.DisposeAsync();
        List<NodeConnection> connections;
        lock (_connections)
            connections = [.. _connections];
        foreach (var c in connections)
            await c.DisposeAsync();
        _endpoint.Dispose();
        _key.Dispose();
        _silence.Dispose();
    }
}
