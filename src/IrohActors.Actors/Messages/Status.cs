namespace IrohActors.Actors;

/// <summary>Reply-shaped results: success or failure of an operation (a <see cref="Failure"/> reply faults an Ask).</summary>
public abstract class Status
{
    private Status() { }

    /// <summary>An operation succeeded.</summary>
    public sealed class Success(object? status) : Status
    {
        /// <summary>The result, if any.</summary>
        public object? Status { get; } = status;

        /// <inheritdoc />
        public override string ToString() => $"Success: {Status}";
    }

    /// <summary>An operation failed; as the reply to an Ask it faults the task with <see cref="Cause"/>.</summary>
    public sealed class Failure(Exception cause, object? state = null) : Status
    {
        /// <summary>Why it failed.</summary>
        public Exception Cause { get; } = cause ?? throw new ArgumentNullException(nameof(cause));

        /// <summary>Extra context, if any.</summary>
        public object? State { get; } = state;

        /// <inheritdoc />
        public override string ToString() => $"Failure: {Cause.GetType().Name}: {Cause.Message}";
    }
}
