namespace IrohActors.Actors;

/// <summary><c>PipeTo</c>: deliver a task's outcome to an actor as a message (the way to use async work from a
/// synchronous handler without blocking it).</summary>
public static class PipeToSupport
{
    /// <summary>When <paramref name="task"/> completes, tells <paramref name="recipient"/> its result (or
    /// <paramref name="success"/> of it), or on failure <see cref="Status.Failure"/> (or <paramref name="failure"/> of the exception).</summary>
    public static Task PipeTo<T>(this Task<T> task, ICanTell recipient, IActorRef? sender = null,
        Func<T, object>? success = null, Func<Exception, object>? failure = null)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(recipient);
        return task.ContinueWith(t =>
        {
            if (t.IsCompletedSuccessfully)
            {
                object? result = success is null ? t.Result : success(t.Result);
                if (result is not null)
                    recipient.Tell(result, sender);
            }
            else
            {
                recipient.Tell(FailureMessage(t, failure), sender);
            }
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>When <paramref name="task"/> completes, tells <paramref name="recipient"/> <paramref name="success"/>()
    /// (nothing when null), or on failure <see cref="Status.Failure"/> (or <paramref name="failure"/> of the exception).</summary>
    public static Task PipeTo(this Task task, ICanTell recipient, IActorRef? sender = null,
        Func<object>? success = null, Func<Exception, object>? failure = null)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(recipient);
        return task.ContinueWith(t =>
        {
            if (t.IsCompletedSuccessfully)
            {
                if (success?.Invoke() is { } message)
                    recipient.Tell(message, sender);
            }
            else
            {
                recipient.Tell(FailureMessage(t, failure), sender);
            }
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private static object FailureMessage(Task task, Func<Exception, object>? failure)
    {
        Exception cause = task.IsCanceled
            ? new TaskCanceledException(task)
            : task.Exception!.InnerExceptions.Count == 1 ? task.Exception.InnerException! : task.Exception;
        return failure is null ? new Status.Failure(cause) : failure(cause);
    }
}
