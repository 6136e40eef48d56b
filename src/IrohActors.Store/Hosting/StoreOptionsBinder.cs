using System.Text;
using System.Text.Json;
using IrohActors.Hocon;
using Microsoft.Extensions.Configuration;

namespace IrohActors.Store.Hosting;

/// <summary>
/// Reads the <c>iroh:store</c> section of a .NET configuration (HOCON files through
/// <see cref="HoconConfigurationExtensions"/>, environment variables, command-line overrides) into
/// <see cref="StoreOptions"/>, with the same keys, units (<c>64 MiB</c>, <c>20ms</c>) and errors as
/// <see cref="StoreOptions.FromConfig"/>; absent keys keep the defaults.
/// </summary>
public static class StoreOptionsBinder
{
    /// <summary>The configuration section read.</summary>
    public const string Section = "iroh:store";

    /// <summary>Reads the options.</summary>
    /// <exception cref="ArgumentException">A value is malformed or out of range (the message names the key).</exception>
    public static StoreOptions Bind(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        // The section's scalars go back into HOCON text, so that sizes and durations parse exactly as in reference.conf.
        var text = new StringBuilder("iroh.store {\n");
        foreach (var child in configuration.GetSection(Section).GetChildren())
        {
            if (child.Value is null)
                continue;
            text.Append(JsonSerializer.Serialize(child.Key)).Append(" = ").Append(JsonSerializer.Serialize(child.Value)).Append('\n');
        }
        text.Append("}\n");
        try
        {
            return StoreOptions.FromConfig(HoconConfig.ParseString(text.ToString()));
        }
        catch (HoconException e)
        {
            throw new ArgumentException($"configuration section {Section}: {e.Message}", e);
        }
    }
}
