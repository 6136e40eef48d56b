namespace IrohActors.Actors.Hosting;

/// <summary>Dependency-injected handle on the actor registered under <typeparamref name="TKey"/>.</summary>
public interface IRequiredActor<TKey>
{
    /// <summary>The actor; throws <see cref="MissingActorRegistryEntryException"/> if it is not registered yet.</summary>
    IActorRef ActorRef { get; }

    /// <summary>Waits until the actor is registered (use from services constructed before the actors start).</summary>
    Task<IActorRef> GetAsync(CancellationToken cancellationToken = default);
}

internal sealed class RequiredActor<TKey>(IReadOnlyActorRegistry registry) : IRequiredActor<TKey>
{
    public IActorRef ActorRef => registry.Get<TKey>();

    public Task<IActorRef> GetAsync(CancellationToken cancellationToken = default) => registry.GetAsync<TKey>(cancellationToken);
}
