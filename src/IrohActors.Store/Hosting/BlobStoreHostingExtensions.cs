using IrohActors.Actors.Hosting;
using IrohActors.Store.Actors;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace IrohActors.Store.Hosting;

/// <summary>
/// Puts the blob store into a generic host: its <see cref="StoreOptions"/> come from the host's configuration
/// (section <c>iroh:store</c>, see <see cref="StoreOptionsBinder"/>) and the store actor starts with the actor system.
/// </summary>
public static class BlobStoreHostingExtensions
{
    /// <summary>
    /// Registers <see cref="StoreOptions"/> (bound from configuration, then passed through <paramref name="adjust"/>,
    /// e.g. to plug in a <see cref="StoreOptions.ChildEnumerator"/>) and <see cref="IBlobStore"/>: the file-system store
    /// in <see cref="StoreOptions.DataDir"/> (empty: <see cref="StoreOptions.DefaultDataDir"/>), disposed with the host.
    /// </summary>
    public static IServiceCollection AddBlobStore(this IServiceCollection services, Func<StoreOptions, StoreOptions>? adjust = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSingleton(sp =>
        {
            var options = StoreOptionsBinder.Bind(sp.GetService<IConfiguration>() ?? new ConfigurationBuilder().Build());
            return adjust is null ? options : adjust(options);
        });
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<StoreOptions>();
            return BlobStores.OpenFileSystem(options.DataDir is { Length: > 0 } dir ? dir : StoreOptions.DefaultDataDir(), options);
        });
        return services;
    }

    /// <summary>
    /// Starts <see cref="BlobStoreActor"/> over the registered <see cref="IBlobStore"/> (with the configured outboard
    /// parallelism) as <c>/user/<paramref name="name"/></c> and registers it under <see cref="BlobStoreActor"/>.
    /// Needs <see cref="AddBlobStore"/>.
    /// </summary>
    public static ActorSystemBuilder WithBlobStoreActor(this ActorSystemBuilder builder, string name = "store")
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.WithActors((system, registry, services) =>
        {
            var store = services.GetRequiredService<IBlobStore>();
            var options = services.GetRequiredService<StoreOptions>();
            registry.Register<BlobStoreActor>(system.ActorOf(BlobStoreActor.Props(store, options.OutboardParallelism), name));
        });
    }
}
