namespace IrohActors.Hocon;

/// <summary>How an include names its target.</summary>
internal enum IncludeKind
{
    /// <summary><c>include "name"</c>: a file relative to the including file (or an embedded resource).</summary>
    Heuristic,
    /// <summary><c>include file("name")</c>.</summary>
    File,
    /// <summary><c>include classpath("name")</c>: an embedded resource of this assembly.</summary>
    Classpath,
    /// <summary><c>include url("...")</c>: not supported.</summary>
    Url,
}

/// <summary>The syntax a source is parsed with, chosen by file extension.</summary>
internal enum SourceSyntax
{
    Conf,
    Json,
    Properties,
}

/// <summary>
/// The document being parsed (origin name, directory for relative includes, nesting depth) and the
/// loader for its includes. Includes without a known extension load .conf, .json and .properties and
/// merge them (.conf over .json over .properties).
/// </summary>
internal sealed class IncludeContext
{
    private const int MaxDepth = 50;

    private IncludeContext(string origin, string? directory, int depth)
    {
        Origin = origin;
        Directory = directory;
        Depth = depth;
    }

    /// <summary>The name used in positions: a file path or <c>&lt;string&gt;</c>.</summary>
    public string Origin { get; }

    /// <summary>Directory that relative includes are resolved against; null means the current directory.</summary>
    public string? Directory { get; }

    public int Depth { get; }

    public static IncludeContext ForString(string? includeDirectory) => new(HoconPosition.StringOrigin, includeDirectory, 0);

    public static IncludeContext ForFile(string fullPath, int depth = 0) => new(fullPath, Path.GetDirectoryName(fullPath), depth);

    public static IncludeContext ForResource(string name, int depth = 0) => new("resource:" + name, null, depth);

    /// <summary>Parses one source with the syntax of its extension.</summary>
    public static HoconObject ParseSource(string text, SourceSyntax syntax, IncludeContext context, IReadOnlyList<string> prefix) =>
        syntax == SourceSyntax.Properties
            ? PropertiesParser.Parse(text, context.Origin)
            : Parser.ParseDocument(text, context, prefix); // JSON is parsed as HOCON, its superset.

    public static SourceSyntax SyntaxOf(string name) => Path.GetExtension(name).ToLowerInvariant() switch
    {
        ".json" => SourceSyntax.Json,
        ".properties" => SourceSyntax.Properties,
        _ => SourceSyntax.Conf,
    };

    /// <summary>Loads an include; null when a non-required target does not exist.</summary>
    public HoconObject? Include(IncludeKind kind, string name, bool required, HoconPosition at, IReadOnlyList<string> prefix)
    {
        if (Depth >= MaxDepth)
            throw new HoconIncludeException($"includes nested more than {MaxDepth} deep (an include cycle?) at '{name}'", at);
        return kind switch
        {
            IncludeKind.Url =>
                throw new HoconIncludeException($"include url(\"{name}\") is not supported; use file(...)", at),
            IncludeKind.Classpath => IncludeResource(name, required, at, prefix),
            IncludeKind.Heuristic when Directory is null && Origin.StartsWith("resource:", StringComparison.Ordinal) =>
                IncludeResource(name, required, at, prefix),
            _ => IncludeFile(name, required, at, prefix),
        };
    }

    private HoconObject? IncludeFile(string name, bool required, HoconPosition at, IReadOnlyList<string> prefix)
    {
        var baseDir = Directory ?? Environment.CurrentDirectory;
        var full = Path.GetFullPath(Path.IsPathRooted(name) ? name : Path.Combine(baseDir, name));
        var ext = Path.GetExtension(full).ToLowerInvariant();
        List<(string Path, SourceSyntax Syntax)> candidates = ext is ".conf" or ".json" or ".properties"
            ? [(full, SyntaxOf(full))]
            : [(full + ".conf", SourceSyntax.Conf), (full + ".json", SourceSyntax.Json), (full + ".properties", SourceSyntax.Properties)];
        var existing = candidates.Where(c => File.Exists(c.Path)).ToList();
        if (existing.Count == 0 && candidates.Count > 1 && File.Exists(full))
            existing.Add((full, SourceSyntax.Conf));
        if (existing.Count == 0)
        {
            if (!required)
                return null;
            throw new HoconIncludeException(
                $"required include '{name}' not found (looked for {string.Join(", ", candidates.Select(c => c.Path))})", at);
        }

        HoconObject? merged = null;
        // Later candidates are weaker: .conf wins over .json wins over .properties.
        for (var i = existing.Count - 1; i >= 0; i--)
        {
            var (path, syntax) = existing[i];
            string text;
            try
            {
                text = File.ReadAllText(path);
            }
            catch (IOException e)
            {
                throw new HoconIncludeException($"cannot read included file '{path}': {e.Message}", at, e);
            }
            catch (UnauthorizedAccessException e)
            {
                throw new HoconIncludeException($"cannot read included file '{path}': {e.Message}", at, e);
            }
            var parsed = ParseSource(text, syntax, ForFile(path, Depth + 1), prefix);
            merged = merged is null ? parsed : (HoconObject)Merging.Merge(merged, parsed);
        }
        return merged;
    }

    private HoconObject? IncludeResource(string name, bool required, HoconPosition at, IReadOnlyList<string> prefix)
    {
        var text = EmbeddedResources.TryRead(name);
        if (text is null)
        {
            if (!required)
                return null;
            throw new HoconIncludeException($"required include '{name}' not found among the embedded resources", at);
        }
        return ParseSource(text, SyntaxOf(name), ForResource(name, Depth + 1), prefix);
    }
}
