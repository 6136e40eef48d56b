namespace IrohActors.Hocon;

/// <summary>Entry points: parse HOCON text or files into a <see cref="Config"/>, and load the embedded defaults.</summary>
public static class HoconConfig
{
    /// <summary>The name of the embedded defaults (<c>hocon/reference.conf</c> of the repository).</summary>
    public const string ReferenceResourceName = "reference.conf";

    /// <summary>Parses HOCON text; includes are relative to <paramref name="includeDirectory"/> (default: the current directory).</summary>
    /// <remarks>Errors name <c>&lt;string&gt;</c>, line and column. Substitutions resolve on first use.</remarks>
    public static Config ParseString(string text, string? includeDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new Config(Parser.ParseDocument(text, IncludeContext.ForString(includeDirectory), []), resolved: false);
    }

    /// <summary>Parses a file with the syntax of its extension (.conf/.json/.properties; others as .conf); includes are relative to it.</summary>
    public static Config ParseFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var full = Path.GetFullPath(path);
        var text = File.ReadAllText(full);
        return new Config(IncludeContext.ParseSource(text, IncludeContext.SyntaxOf(full), IncludeContext.ForFile(full), []), resolved: false);
    }

    /// <summary>Parses text read from a file at <paramref name="fullPath"/> (used by the configuration provider).</summary>
    internal static Config ParseText(string text, string fullPath) =>
        new(IncludeContext.ParseSource(text, IncludeContext.SyntaxOf(fullPath), IncludeContext.ForFile(fullPath), []), resolved: false);

    /// <summary>The node's defaults (<c>reference.conf</c>, embedded in this assembly), unresolved so it can serve as a fallback.</summary>
    public static Config LoadReference()
    {
        var text = EmbeddedResources.TryRead(ReferenceResourceName)
            ?? throw new InvalidOperationException($"embedded resource '{ReferenceResourceName}' is missing from {typeof(HoconConfig).Assembly.GetName().Name}");
        return new Config(Parser.ParseDocument(text, IncludeContext.ForResource(ReferenceResourceName), []), resolved: false);
    }

    /// <summary>
    /// The usual layering: <paramref name="application"/> (if given) over <c>reference.conf</c>, resolved
    /// with environment variables as the substitution fallback.
    /// </summary>
    public static Config Load(Config? application = null) =>
        (application ?? Config.Empty).WithFallback(LoadReference()).Resolve();
}
