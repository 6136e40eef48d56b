namespace IrohActors.Hocon;

/// <summary>A node of a HOCON value tree; after resolution only objects, arrays and scalars remain.</summary>
public abstract class HoconValue
{
    private protected HoconValue(HoconPosition position)
    {
        Position = position;
    }

    /// <summary>Where the value was written.</summary>
    public HoconPosition Position { get; }

    /// <summary>The kind of the value.</summary>
    public abstract HoconValueType Type { get; }

    /// <summary>True for objects, arrays and scalars; false for substitutions and pending merges.</summary>
    internal abstract bool IsConcrete { get; }

    /// <summary>The value as canonical JSON (object keys sorted, no whitespace).</summary>
    public string ToJson() => JsonRenderer.Render(this);

    /// <inheritdoc />
    public override string ToString() => ToJson();
}
