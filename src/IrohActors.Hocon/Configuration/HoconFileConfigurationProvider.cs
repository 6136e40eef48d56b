using Microsoft.Extensions.Configuration;

namespace IrohActors.Hocon;

/// <summary>Loads a HOCON file into flattened <c>IConfiguration</c> keys (<c>a:b</c>, arrays as <c>a:0</c>).</summary>
public sealed class HoconFileConfigurationProvider : FileConfigurationProvider
{
    private readonly HoconFileConfigurationSource _source;

    /// <summary>Creates the provider for <paramref name="source"/>.</summary>
    public HoconFileConfigurationProvider(HoconFileConfigurationSource source) : base(source)
    {
        _source = source;
    }

    /// <inheritdoc />
    public override void Load(Stream stream)
    {
        using var reader = new StreamReader(stream);
        var text = reader.ReadToEnd();
        // Includes are relative to the file, so give the parser its real location when there is one.
        var physical = Source.FileProvider?.GetFileInfo(Source.Path ?? "").PhysicalPath;
        var fullPath = Path.GetFullPath(physical ?? Source.Path ?? "config.conf");
        var config = HoconConfig.ParseText(text, fullPath);
        if (_source.Fallback is { } fallback)
            config = config.WithFallback(fallback);
        Data = HoconFlattener.Flatten(config.Resolve(_source.ResolveOptions).Root);
    }
}
