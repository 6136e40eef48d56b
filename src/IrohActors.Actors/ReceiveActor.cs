using IrohActors.Actors.Internal;

namespace IrohActors.Actors;

/// <summary>An actor whose behaviour is a list of typed handlers, registered in the constructor or inside
/// <see cref="Become(Action)"/>. The first handler that matches (declaration order) wins.</summary>
public abstract class ReceiveActor : UntypedActor
{
    private HandlerSet? _building;
    private HandlerSet _initial;

    /// <summary>Starts registering the initial behaviour.</summary>
    protected ReceiveActor()
    {
        _initial = new HandlerSet();
        _building = _initial;
    }

    internal override void AfterConstruct() => _building = null;

    /// <inheritdoc />
    protected sealed override void OnReceive(object message)
    {
        if (!_initial.TryHandle(message))
            Unhandled(message);
    }

    /// <summary>Handles messages of type <typeparamref name="T"/>.</summary>
    protected void Receive<T>(Action<T> handler, Predicate<T>? shouldHandle = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Add(new Handler<T>(shouldHandle, m => { handler(m); return true; }));
    }

    /// <summary>Handles messages of type <typeparamref name="T"/> for which <paramref name="shouldHandle"/> is true.</summary>
    protected void Receive<T>(Predicate<T> shouldHandle, Action<T> handler)
    {
        ArgumentNullException.ThrowIfNull(shouldHandle);
        Receive(handler, shouldHandle);
    }

    /// <summary>Handles messages of type <typeparamref name="T"/>; returning false passes the message to the next handler.</summary>
    protected void Receive<T>(Func<T, bool> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Add(new Handler<T>(null, handler));
    }

    /// <summary>Handles messages of type <typeparamref name="T"/> asynchronously: no other message is processed until
    /// the task completes (Self and Sender stay valid across awaits); an exception fails the actor.</summary>
    protected void ReceiveAsync<T>(Func<T, Task> handler, Predicate<T>? shouldHandle = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Add(new Handler<T>(shouldHandle, m => { Cell.RunTask(() => handler(m)); return true; }));
    }

    /// <summary>Asynchronous handler for messages of type <typeparamref name="T"/> matching <paramref name="shouldHandle"/>.</summary>
    protected void ReceiveAsync<T>(Predicate<T> shouldHandle, Func<T, Task> handler)
    {
        ArgumentNullException.ThrowIfNull(shouldHandle);
        ReceiveAsync(handler, shouldHandle);
    }

    /// <summary>Handles every message that earlier handlers did not; must be registered last.</summary>
    protected void ReceiveAny(Action<object> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Add(new Handler<object>(null, m => { handler(m); return true; }), isAny: true);
    }

    /// <summary>Asynchronous <see cref="ReceiveAny"/>.</summary>
    protected void ReceiveAnyAsync(Func<object, Task> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Add(new Handler<object>(null, m => { Cell.RunTask(() => handler(m)); return true; }), isAny: true);
    }

    /// <summary>Replaces the behaviour with the handlers <paramref name="configure"/> registers.</summary>
    protected void Become(Action configure) => Become(Build(configure).TryHandleOrUnhandled(this));

    /// <summary>Pushes the behaviour <paramref name="configure"/> registers; <c>UnbecomeStacked</c> pops it.</summary>
    protected void BecomeStacked(Action configure) => BecomeStacked(Build(configure).TryHandleOrUnhandled(this));

    private HandlerSet Build(Action configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var previous = _building;
        var set = new HandlerSet();
        _building = set;
        try { configure(); }
        finally { _building = previous; }
        return set;
    }

    private void Add(IHandler handler, bool isAny = false)
    {
        var set = _building ?? throw new InvalidOperationException(
            $"{GetType().Name}: handlers can only be registered in the constructor or inside Become(Action)/BecomeStacked(Action)");
        set.Add(handler, isAny);
    }

    internal void CallUnhandled(object message) => Unhandled(message);

    private interface IHandler
    {
        bool TryHandle(object message);
    }

    private sealed class Handler<T>(Predicate<T>? shouldHandle, Func<T, bool> handle) : IHandler
    {
        public bool TryHandle(object message)
            => message is T typed && (shouldHandle is null || shouldHandle(typed)) && handle(typed);
    }

    private sealed class HandlerSet
    {
        private IHandler[] _handlers = [];
        private bool _hasAny;

        public void Add(IHandler handler, bool isAny)
        {
            if (_hasAny)
                throw new InvalidOperationException("ReceiveAny must be the last handler registered");
            _hasAny = isAny;
            _handlers = [.. _handlers, handler];
        }

        public bool TryHandle(object message)
        {
            foreach (var handler in _handlers)
                if (handler.TryHandle(message))
                    return true;
            return false;
        }

        public UntypedReceive TryHandleOrUnhandled(ReceiveActor owner) => message =>
        {
            if (!TryHandle(message))
                owner.CallUnhandled(message);
        };
    }
}
