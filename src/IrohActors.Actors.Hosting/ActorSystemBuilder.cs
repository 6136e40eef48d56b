namespace IrohActors.Actors.Hosting;

/// <summary>Starts actors once the hosted actor system runs; may be asynchronous.</summary>
public delegate Task ActorStarter(ActorSystem system, IActorRegistry registry, IServiceProvider services);

/// <summary>What <see cref="ActorHostingExtensions.AddActorSystem(Microsoft.Extensions.DependencyInjection.IServiceCollection, string, Action{ActorSystemBuilder, IServiceProvider})"/>
/// collects: settings adjustments and the actors to start (Akka.Hosting's <c>AkkaConfigurationBuilder</c>).</summary>
public sealed class ActorSystemBuilder
{
    private readonly List<Func<ActorSystemSettings, ActorSystemSettings>> _settings = [];
    private readonly List<ActorStarter> _starters = [];

    internal ActorSystemBuilder(string name) => Name = name;

    /// <summary>The actor system's name.</summary>
    public string Name { get; }

    internal IReadOnlyList<ActorStarter> Starters => _starters;

    /// <summary>Adjusts the settings read from configuration; applied in the order given, after configuration.</summary>
    public ActorSystemBuilder WithSettings(Func<ActorSystemSettings, ActorSystemSettings> adjust)
    {
        _settings.Add(adjust);
        return this;
    }

    /// <summary>Sets the default Ask timeout (overrides <c>akka.actor.ask-timeout</c>).</summary>
    public ActorSystemBuilder WithActorAskTimeout(TimeSpan timeout) => WithSettings(s => s with { AskTimeout = timeout });

    /// <summary>Starts actors when the host starts.</summary>
    public ActorSystemBuilder WithActors(Action<ActorSystem, IActorRegistry> starter) =>
        WithActors((system, registry, _) =>
        {
            starter(system, registry);
            return Task.CompletedTask;
        });

    /// <summary>Starts actors with access to the host's services.</summary>
    public ActorSystemBuilder WithActors(Action<ActorSystem, IActorRegistry, IServiceProvider> starter) =>
        WithActors((system, registry, services) =>
        {
            starter(system, registry, services);
            return Task.CompletedTask;
        });

    /// <summary>Starts actors asynchronously; the host does not finish starting until the task does.</summary>
    public ActorSystemBuilder WithActors(ActorStarter starter)
    {
        _starters.Add(starter);
        return this;
    }

    internal ActorSystemSettings ApplySettings(ActorSystemSettings fromConfiguration) =>
        _settings.Aggregate(fromConfiguration, (s, adjust) => adjust(s));
}
