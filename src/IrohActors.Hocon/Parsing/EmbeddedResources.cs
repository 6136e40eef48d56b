using System.Reflection;

namespace IrohActors.Hocon;

/// <summary>Reads the HOCON files embedded in this assembly (such as <c>reference.conf</c>).</summary>
internal static class EmbeddedResources
{
    public static string? TryRead(string name)
    {
        using var stream = typeof(EmbeddedResources).Assembly.GetManifestResourceStream(name);
        if (stream is null)
            return null;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
