namespace IrohActors.Hocon;

/// <summary>One element of a value concatenation: a value, or the whitespace between two values.</summary>
internal readonly struct ConcatPart
{
    public ConcatPart(HoconValue? value, string? whitespace)
    {
        Value = value;
        Whitespace = whitespace;
    }

    public HoconValue? Value { get; }

    public string? Whitespace { get; }
}

/// <summary>A value concatenation that holds substitutions, so it can only be joined after resolution.</summary>
internal sealed class HoconConcatenation : HoconValue
{
    public HoconConcatenation(IReadOnlyList<ConcatPart> parts, HoconPosition position) : base(position)
    {
        Parts = parts;
    }

    public IReadOnlyList<ConcatPart> Parts { get; }

    public override HoconValueType Type => throw new InvalidOperationException($"{Position}: unresolved concatenation");

    internal override bool IsConcrete => false;
}
