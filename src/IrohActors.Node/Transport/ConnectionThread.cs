using System.Net.Sockets;

namespace IrohActors.Node.Transport;

/// <summary>
/// Starts a connection's own thread (<see cref="TransportOptions.ConnectionThreads"/>): it sets the connection up (TCP
/// connect, TLS handshake, mux hello, waiting in <c>poll</c> on the way) and, once that has succeeded, runs the
/// connection's read loop until the connection ends. The caller awaits the set-up.
/// </summary>
internal static class ConnectionThread
{
    /// <summary>
    /// Runs <paramref name="setUp"/> on a new thread and completes with its result (or its exception), then runs
    /// <paramref name="run"/> with that result on the same thread. Cancellation before the set-up has finished disposes
    /// <paramref name="socket"/> (which wakes a wait in <c>poll</c>) and fails the set-up with <see cref="OperationCanceledException"/>.
    /// </summary>
    public static async Task<T> StartAsync<T>(string name, Socket socket, Func<T> setUp, Action<T> run, CancellationToken cancellationToken)
    {
        var result = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var gate = new object();
        var settled = false;
        var thread = new Thread(() =>
        {
            T value;
            try
            {
                value = setUp();
            }
            catch (Exception e)
            {
                lock (gate)
                    settled = true;
                result.TrySetException(cancellationToken.IsCancellationRequested ? new OperationCanceledException("the connection's set-up was cancelled", e, cancellationToken) : e);
                return;
            }
            lock (gate)
                settled = true;
            result.TrySetResult(value);
            run(value);
        })
        {
            IsBackground = true,
            Name = name,
        };
        await using var registration = cancellationToken.Register(() =>
        {
            lock (gate)
            {
                if (!settled)
                    socket.Dispose();
            }
        }).ConfigureAwait(false);
        thread.UnsafeStart();
        return await result.Task.ConfigureAwait(false);
    }
}
