namespace IrohActors.Hocon;

/// <summary>An ordered list of values.</summary>
public sealed class HoconArray : HoconValue
{
    internal HoconArray(IReadOnlyList<HoconValue> items, HoconPosition position) : base(position)
    {
        Items = items;
    }

    /// <summary>The elements in order.</summary>
    public IReadOnlyList<HoconValue> Items { get; }

    /// <inheritdoc />
    public override HoconValueType Type => HoconValueType.Array;

    internal override bool IsConcrete => true;
}
