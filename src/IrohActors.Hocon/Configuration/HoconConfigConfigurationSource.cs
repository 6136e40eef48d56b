using Microsoft.Extensions.Configuration;

namespace IrohActors.Hocon;

/// <summary>An already parsed <see cref="Config"/> (or HOCON text) as an <see cref="IConfigurationSource"/>.</summary>
public sealed class HoconConfigConfigurationSource : IConfigurationSource
{
    /// <summary>The configuration to expose.</summary>
    public required Config Config { get; init; }

    /// <summary>How substitutions are resolved (default: environment variables as fallback).</summary>
    public HoconResolveOptions ResolveOptions { get; init; } = HoconResolveOptions.Default;

    /// <inheritdoc />
    public IConfigurationProvider Build(IConfigurationBuilder builder) => new HoconConfigConfigurationProvider(this);
}

/// <summary>Provider for <see cref="HoconConfigConfigurationSource"/>.</summary>
public sealed class HoconConfigConfigurationProvider : ConfigurationProvider
{
    private readonly HoconConfigConfigurationSource _source;

    /// <summary>Creates the provider.</summary>
    public HoconConfigConfigurationProvider(HoconConfigConfigurationSource source)
    {
        _source = source;
    }

    /// <inheritdoc />
    public override void Load() => Data = HoconFlattener.Flatten(_source.Config.Resolve(_source.ResolveOptions).Root);
}
