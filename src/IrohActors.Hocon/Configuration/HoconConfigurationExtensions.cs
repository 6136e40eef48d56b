using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.FileProviders;

namespace IrohActors.Hocon;

/// <summary><see cref="IConfigurationBuilder"/> extensions that add HOCON sources.</summary>
public static class HoconConfigurationExtensions
{
    /// <summary>Adds a HOCON file (relative paths are resolved against the builder's base path).</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="path">The file.</param>
    /// <param name="optional">Whether a missing file is ignored.</param>
    /// <param name="reloadOnChange">Whether the file is reloaded when it changes.</param>
    public static IConfigurationBuilder AddHoconFile(this IConfigurationBuilder builder, string path, bool optional = false, bool reloadOnChange = false)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(path);
        return builder.AddHoconFile(s =>
        {
            s.Path = path;
            s.Optional = optional;
            s.ReloadOnChange = reloadOnChange;
            if (Path.IsPathRooted(path))
            {
                // Watch the file's own folder, as AddJsonFile does for absolute paths.
                s.FileProvider = new PhysicalFileProvider(Path.GetDirectoryName(path)!);
                s.Path = Path.GetFileName(path);
            }
            s.ResolveFileProvider();
        });
    }

    /// <summary>Adds a HOCON file configured by <paramref name="configure"/> (fallback, resolve options, file provider).</summary>
    public static IConfigurationBuilder AddHoconFile(this IConfigurationBuilder builder, Action<HoconFileConfigurationSource> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Add(configure);
    }

    /// <summary>Adds HOCON text; includes are relative to the current directory.</summary>
    public static IConfigurationBuilder AddHoconString(this IConfigurationBuilder builder, string text)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Add(new HoconConfigConfigurationSource { Config = HoconConfig.ParseString(text) });
    }

    /// <summary>Adds a parsed configuration, e.g. <c>HoconConfig.LoadReference()</c> as the lowest layer.</summary>
    public static IConfigurationBuilder AddHoconConfig(this IConfigurationBuilder builder, Config config, HoconResolveOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(config);
        return builder.Add(new HoconConfigConfigurationSource { Config = config, ResolveOptions = options ?? HoconResolveOptions.Default });
    }
}
