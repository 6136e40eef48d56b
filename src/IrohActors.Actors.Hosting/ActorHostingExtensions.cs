using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace IrohActors.Actors.Hosting;

/// <summary>Registers an <see cref="ActorSystem"/> in a generic host (the shape of Akka.Hosting's <c>AddAkka</c>).</summary>
public static class ActorHostingExtensions
{
    /// <summary>
    /// Adds an actor system named <paramref name="name"/>: its settings come from the host's configuration
    /// (section <c>akka</c>, see <see cref="ActorSystemSettingsBinder"/>), its actors start with the host, and
    /// coordinated shutdown stops it when the host stops. Registers <see cref="ActorSystem"/>,
    /// <see cref="IActorRegistry"/>, <see cref="IReadOnlyActorRegistry"/> and <see cref="IRequiredActor{TKey}"/>.
    /// </summary>
    public static IServiceCollection AddActorSystem(this IServiceCollection services, string name, Action<ActorSystemBuilder, IServiceProvider> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (services.Any(d => d.ServiceType == typeof(ActorSystemBuilder)))
            throw new InvalidOperationException("an actor system is already registered in this host");

        services.AddSingleton(sp =>
        {
            var builder = new ActorSystemBuilder(name);
            configure(builder, sp);
            return builder;
        });
        services.AddSingleton(sp =>
        {
            var builder = sp.GetRequiredService<ActorSystemBuilder>();
            var configuration = sp.GetService<IConfiguration>() ?? new ConfigurationBuilder().Build();
            var settings = ActorSystemSettingsBinder.Bind(configuration);
            if (sp.GetService<ILoggerFactory>() is { } loggers)
                settings = settings with { LoggerFactory = loggers };
            return ActorSystem.Create(builder.Name, builder.ApplySettings(settings));
        });
        services.AddSingleton<ActorRegistry>();
        services.AddSingleton<IActorRegistry>(sp => sp.GetRequiredService<ActorRegistry>());
        services.AddSingleton<IReadOnlyActorRegistry>(sp => sp.GetRequiredService<ActorRegistry>());
        services.AddSingleton(typeof(IRequiredActor<>), typeof(RequiredActor<>));
        services.AddHostedService<ActorSystemHostedService>();
        return services;
    }

    /// <summary>As <see cref="AddActorSystem(IServiceCollection, string, Action{ActorSystemBuilder, IServiceProvider})"/>, without the service provider.</summary>
    public static IServiceCollection AddActorSystem(this IServiceCollection services, string name, Action<ActorSystemBuilder> configure) =>
        services.AddActorSystem(name, (builder, _) => configure(builder));
}
