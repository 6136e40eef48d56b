using IrohActors.Blake3;
using IrohActors.Node.Identity;
using IrohActors.Node.Transport;

namespace IrohActors.Node.Provider;

/// <summary>
/// Where a Get's items go: verified bytes are written straight into the stream (the mux copies them into its send
/// batch, where consecutive writes of the stream share one DATA frame), so the bytes the store's reader verified are
/// copied once before TLS encrypts them. Writes defer flushing: the request's own task encrypts and sends each batch it
/// fills (no hand-off to the send loop per batch), and flushes before it waits for anything else.
/// </summary>
internal sealed class ResponseOutput(MuxStream stream, SentCounter sent)
{
    // Environment.TickCount64 when the write in progress began, 0 when none is (for the stall watchdog).
    private long _writingSince;

    /// <summary>The blob being appended (for progress events).</summary>
    public Hash Current { get; set; }

    /// <summary>Milliseconds the write in progress has waited (for the requester to take bytes), 0 when none is waiting.</summary>
    public long WaitingMilliseconds => Volatile.Read(ref _writingSince) is var since and not 0 ? Environment.TickCount64 - since : 0;

    /// <summary>Lets what was appended leave now, before the writer waits for something else.</summary>
    public void Flush() => stream.Flush();

    public async ValueTask AppendAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        Volatile.Write(ref _writingSince, Environment.TickCount64);
        await stream.WriteAsync(bytes, deferFlush: true, cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _writingSince, 0);
        sent.Add(Current, bytes.Length);
    }
}

/// <summary>Counts response bytes and publishes a progress event every so many.</summary>
internal sealed class SentCounter(long id, NodeId peer, long step, Action<ProviderEvent> publish)
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
