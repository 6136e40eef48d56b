using System.Net;
using System.Net.Sockets;

namespace IrohActors.Node.Transport;

/// <summary>
/// The socket under a connection that has a thread of its own (<see cref="TransportOptions.ConnectionThreads"/>). The
/// socket is non-blocking, and every read and write is first one system call. A read that finds the socket empty waits
/// in <c>poll(2)</c> when it runs on the connection's thread, so the kernel wakes that thread when data arrives. The
/// runtime's socket engine is used only when it must be: a write that finds the socket full, and a read that finds it
/// empty on some other thread, await the engine's async operations instead of blocking a pool thread.
/// </summary>
/// <remarks>
/// Why: .NET keeps every socket that ever waited asynchronously in its epoll set (edge-triggered), and wakes its
/// sockets thread for each batch of segments that arrives, whether a read waits or not: about 5,000 wake-ups per GiB
/// received, each a hand-off to a pool worker that pre-empts whatever that core was doing (docs/transport.md §6.7).
/// A socket that never waits asynchronously is never registered, and the runtime does not know when data arrives.
/// </remarks>
internal sealed class PolledSocketStream : Stream
{
    /// <summary>How long one <c>poll</c> sleeps before the wait checks its cancellation again (closing the socket wakes it at once).</summary>
    private const int PollSliceMicroseconds = 250_000;

    private readonly Socket _socket;
    private readonly Thread _owner;
    private int _disposed;

    /// <summary>Wraps a connected socket (made non-blocking); the calling thread becomes the one whose reads may wait in <c>poll</c>.</summary>
    public PolledSocketStream(Socket socket)
    {
        socket.Blocking = false;
        _socket = socket;
        _owner = Thread.CurrentThread;
    }

    /// <summary>
    /// Connects a non-blocking socket, waiting on the calling thread (in <c>poll</c>, so that the socket never joins the
    /// runtime's epoll set); throws <see cref="SocketException"/> if the connection is refused or fails.
    /// </summary>
    public static void Connect(Socket socket, EndPoint endPoint, CancellationToken cancellationToken)
    {
        socket.Blocking = false;
        try
        {
            socket.Connect(endPoint);
            return;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
        {
        }
        Wait(socket, SelectMode.SelectWrite, cancellationToken);
        // SO_ERROR is read once (reading clears it); the runtime reports it as a SocketError value.
        var error = (SocketError)(int)socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error)!;
        if (error != SocketError.Success)
            throw new SocketException((int)error);
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
            return ValueTask.FromResult(0);
        while (true)
        {
            var n = Receive(buffer.Span, out var error);
            if (error == SocketError.Success)
                return ValueTask.FromResult(n);
            if (error != SocketError.WouldBlock)
                return ValueTask.FromException<int>(Failure("read from", error));
            if (!ReferenceEquals(Thread.CurrentThread, _owner))
                return ReceiveAsync(buffer, cancellationToken);
            try
            {
                Wait(_socket, SelectMode.SelectRead, cancellationToken);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException)
            {
                return ValueTask.FromException<int>(e);
            }
        }
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (!buffer.IsEmpty)
        {
            int n;
            SocketError error;
            try
            {
                n = _socket.Send(buffer.Span, SocketFlags.None, out error);
            }
            catch (ObjectDisposedException e)
            {
                return ValueTask.FromException(new IOException("writing to the socket failed: it is closed", e));
            }
            if (error == SocketError.WouldBlock)
                return SendAsync(buffer, cancellationToken);
            if (error != SocketError.Success)
                return ValueTask.FromException(Failure("write to", error));
            buffer = buffer[n..];
        }
        return ValueTask.CompletedTask;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
            _socket.Dispose(); // wakes a read waiting in poll
        base.Dispose(disposing);
    }

    private int Receive(Span<byte> buffer, out SocketError error)
    {
        try
        {
            return _socket.Receive(buffer, SocketFlags.None, out error);
        }
        catch (ObjectDisposedException)
        {
            error = SocketError.Shutdown;
            return 0;
        }
    }

    // Another thread's read of an empty socket: the runtime's engine waits for it (the socket joins its epoll set).
    private async ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        try
        {
            return await _socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            throw new IOException($"reading from the socket failed: {e.Message}", e);
        }
    }

    // A full socket: the rest is sent by the runtime's engine (the socket joins its epoll set from then on).
    private ValueTask SendAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken) => SendAllAsync(_socket, buffer, cancellationToken);

    /// <summary>
    /// Waits on the calling thread, in <c>poll</c>, until <paramref name="socket"/> is ready for <paramref name="mode"/>
    /// (in slices that check <paramref name="cancellationToken"/>; disposing the socket wakes it at once). A socket that
    /// fails or is closed meanwhile raises <see cref="IOException"/>.
    /// </summary>
    internal static void Wait(Socket socket, SelectMode mode, CancellationToken cancellationToken)
    {
        try
        {
            while (!socket.Poll(PollSliceMicroseconds, mode))
                cancellationToken.ThrowIfCancellationRequested();
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            throw new IOException($"waiting on the socket failed: {e.Message}", e);
        }
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>Sends all of <paramref name="buffer"/> with the runtime's async sends; a failing or closed socket raises <see cref="IOException"/>.</summary>
    internal static async ValueTask SendAllAsync(Socket socket, ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        try
        {
            while (!buffer.IsEmpty)
                buffer = buffer[await socket.SendAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false)..];
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            throw new IOException($"writing to the socket failed: {e.Message}", e);
        }
    }

    private static IOException Failure(string what, SocketError error) =>
        new($"could not {what} the socket: {new SocketException((int)error).Message}", new SocketException((int)error));
}
