using IrohActors.Actors.Internal;

namespace IrohActors.Actors;

/// <summary>Ask: send a message and await the single reply as a task.</summary>
public static class Futures
{
    /// <summary>Asks for a reply of any type.</summary>
    public static Task<object> Ask(this ICanTell receiver, object message, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        => Ask<object>(receiver, message, timeout, cancellationToken);

    /// <summary>
    /// Tells <paramref name="message"/> with a temporary reference as sender and completes with the first reply.
    /// A <see cref="Status.Failure"/> reply faults the task with its cause; a reply of another type than
    /// <typeparamref name="T"/> faults it with <see cref="ArgumentException"/>; no reply within the timeout faults it with
    /// <see cref="AskTimeoutException"/>; cancellation cancels it. Late replies go to dead letters.
    /// </summary>
    /// <param name="receiver">Who is asked.</param>
    /// <param name="message">The question.</param>
    /// <param name="timeout">Limit; null = the system's <see cref="ActorSystemSettings.AskTimeout"/> (infinite by default).</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    public static Task<T> Ask<T>(this ICanTell receiver, object message, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var future = NewFuture<T>(receiver, timeout, cancellationToken);
        future.Start(message);
        receiver.Tell(message, future);
        return future.Task;
    }

    /// <summary>Ask where the message is built from the temporary reply-to reference.</summary>
    public static Task<T> Ask<T>(this ICanTell receiver, Func<IActorRef, object> messageFactory, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messageFactory);
        var future = NewFuture<T>(receiver, timeout, cancellationToken);
        var message = messageFactory(future);
        ArgumentNullException.ThrowIfNull(message, nameof(messageFactory));
        future.Start(message);
        receiver.Tell(message, future);
        return future.Task;
    }

    private static FutureActorRef<T> NewFuture<T>(ICanTell receiver, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        var system = (ActorRefResolver.Resolve(receiver as IActorRef) as LocalActorRef)?.Cell.System;
        var limit = timeout ?? system?.Settings.AskTimeout ?? Timeout.InfiniteTimeSpan;
        if (limit <= TimeSpan.Zero && limit != Timeout.InfiniteTimeSpan)
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "ask timeout must be positive or infinite");
        return new FutureActorRef<T>(system, receiver, limit, cancellationToken);
    }
}
