using System.Collections;
using System.Collections.Concurrent;

namespace IrohActors.Actors.Hosting;

/// <summary>Read access to the actors registered at start-up, keyed by a marker type.</summary>
public interface IReadOnlyActorRegistry : IEnumerable<KeyValuePair<Type, IActorRef>>
{
    /// <summary>The actor registered under <typeparamref name="TKey"/>, if any.</summary>
    bool TryGet<TKey>(out IActorRef actor);

    /// <summary>The actor registered under <typeparamref name="TKey"/>; throws <see cref="MissingActorRegistryEntryException"/> if none is.</summary>
    IActorRef Get<TKey>();

    /// <summary>Waits until an actor is registered under <typeparamref name="TKey"/>.</summary>
    Task<IActorRef> GetAsync<TKey>(CancellationToken cancellationToken = default);
}

/// <summary>Registration of actors under marker types (Akka.Hosting's <c>IActorRegistry</c>).</summary>
public interface IActorRegistry : IReadOnlyActorRegistry
{
    /// <summary>Registers <paramref name="actor"/> under <typeparamref name="TKey"/>; a second registration throws
    /// <see cref="DuplicateActorRegistryException"/> unless <paramref name="overwrite"/> is set.</summary>
    void Register<TKey>(IActorRef actor, bool overwrite = false);

    /// <summary>Registers unless the key is taken; false when it was.</summary>
    bool TryRegister<TKey>(IActorRef actor, bool overwrite = false);
}

/// <summary>Thrown when an actor is registered twice under the same key.</summary>
public sealed class DuplicateActorRegistryException(string message) : InvalidOperationException(message);

/// <summary>Thrown when no actor is registered under the key asked for.</summary>
public sealed class MissingActorRegistryEntryException(string message) : KeyNotFoundException(message);

/// <summary>The thread-safe registry behind <see cref="IActorRegistry"/>; one per hosted actor system.</summary>
public sealed class ActorRegistry : IActorRegistry
{
    private readonly ConcurrentDictionary<Type, IActorRef> _actors = new();
    private readonly ConcurrentDictionary<Type, TaskCompletionSource<IActorRef>> _waiters = new();

    /// <inheritdoc />
    public void Register<TKey>(IActorRef actor, bool overwrite = false)
    {
        if (!TryRegister<TKey>(actor, overwrite))
            throw new DuplicateActorRegistryException(
                $"an actor is already registered under {typeof(TKey).Name}: {_actors[typeof(TKey)].Path}");
    }

    /// <inheritdoc />
    public bool TryRegister<TKey>(IActorRef actor, bool overwrite = false)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (overwrite)
            _actors[typeof(TKey)] = actor;
        else if (!_actors.TryAdd(typeof(TKey), actor))
            return false;
        Waiter(typeof(TKey)).TrySetResult(actor);
        return true;
    }

    /// <inheritdoc />
    public bool TryGet<TKey>(out IActorRef actor) => _actors.TryGetValue(typeof(TKey), out actor!);

    /// <inheritdoc />
    public IActorRef Get<TKey>() => TryGet<TKey>(out var actor)
        ? actor
        : throw new MissingActorRegistryEntryException(
            $"no actor is registered under {typeof(TKey).Name}; register it in WithActors, or wait with GetAsync");

    /// <inheritdoc />
    public Task<IActorRef> GetAsync<TKey>(CancellationToken cancellationToken = default) =>
        TryGet<TKey>(out var actor) ? Task.FromResult(actor) : Waiter(typeof(TKey)).Task.WaitAsync(cancellationToken);

    private TaskCompletionSource<IActorRef> Waiter(Type key) =>
        _waiters.GetOrAdd(key, _ => new TaskCompletionSource<IActorRef>(TaskCreationOptions.RunContinuationsAsynchronously));

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<Type, IActorRef>> GetEnumerator() => _actors.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
