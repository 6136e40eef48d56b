namespace IrohActors.Hocon;

/// <summary>
/// Successive definitions of one field that cannot be merged before resolution (one of them holds a
/// substitution). Layers are oldest first; the newest wins unless it and the older ones are objects.
/// </summary>
internal sealed class HoconDelayedMerge : HoconValue
{
    public HoconDelayedMerge(IReadOnlyList<HoconValue> layers, HoconPosition position) : base(position)
    {
        Layers = layers;
    }

    public IReadOnlyList<HoconValue> Layers { get; }

    public override HoconValueType Type => throw new InvalidOperationException($"{Position}: unresolved merge");

    internal override bool IsConcrete => false;
}
