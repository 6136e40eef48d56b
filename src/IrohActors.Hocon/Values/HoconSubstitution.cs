namespace IrohActors.Hocon;

/// <summary>An unresolved <c>${path}</c> or <c>${?path}</c>.</summary>
/// <remarks>
/// A self-referential substitution (its path is the field being defined, or inside it) is resolved
/// against the value the field had before this definition (<see cref="Prior"/>), not against the final tree.
/// The prior is filled in when the definition is merged over an older value, so it also works across
/// includes and <see cref="Config.WithFallback"/>.
/// </remarks>
internal sealed class HoconSubstitution : HoconValue
{
    public HoconSubstitution(
        IReadOnlyList<string> path,
        IReadOnlyList<string>? fallbackPath,
        string expression,
        bool optional,
        int selfReferenceDepth,
        HoconValue? prior,
        HoconPosition position) : base(position)
    {
        Path = path;
        FallbackPath = fallbackPath;
        Expression = expression;
        Optional = optional;
        SelfReferenceDepth = selfReferenceDepth;
        Prior = prior;
    }

    /// <summary>The absolute path looked up (relativized to the include point for included files).</summary>
    public IReadOnlyList<string> Path { get; }

    /// <summary>The path as written in an included file, tried when <see cref="Path"/> is not found.</summary>
    public IReadOnlyList<string>? FallbackPath { get; }

    /// <summary>The path as written (also the environment variable name).</summary>
    public string Expression { get; }

    /// <summary>True for <c>${?path}</c>.</summary>
    public bool Optional { get; }

    /// <summary>-1 if not self-referential; else the length of the defining field's path (a prefix of <see cref="Path"/>).</summary>
    public int SelfReferenceDepth { get; }

    /// <summary>For a self-reference: the field's earlier value (null when none is known yet).</summary>
    public HoconValue? Prior { get; }

    public bool IsSelfReference => SelfReferenceDepth >= 0;

    public HoconSubstitution WithPriorValue(HoconValue? prior) =>
        new(Path, FallbackPath, Expression, Optional, SelfReferenceDepth, prior, Position);

    public override HoconValueType Type => throw new InvalidOperationException($"{Position}: unresolved substitution ${{{Expression}}}");

    internal override bool IsConcrete => false;

    public string Display => Optional ? $"${{?{Expression}}}" : $"${{{Expression}}}";
}
