using Microsoft.Extensions.Configuration;

namespace IrohActors.Hocon;

/// <summary>A HOCON file as an <see cref="IConfigurationSource"/> (optional, reload on change, like the JSON source).</summary>
public sealed class HoconFileConfigurationSource : FileConfigurationSource
{
    /// <summary>How substitutions are resolved (default: environment variables as fallback).</summary>
    public HoconResolveOptions ResolveOptions { get; set; } = HoconResolveOptions.Default;

    /// <summary>Configuration placed under the file (for example <see cref="HoconConfig.LoadReference"/>), or null.</summary>
    public Config? Fallback { get; set; }

    /// <inheritdoc />
    public override IConfigurationProvider Build(IConfigurationBuilder builder)
    {
        EnsureDefaults(builder);
        return new HoconFileConfigurationProvider(this);
    }
}
