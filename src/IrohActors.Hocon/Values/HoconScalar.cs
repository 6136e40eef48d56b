namespace IrohActors.Hocon;

/// <summary>A leaf value: string, number (kept as written), boolean or null.</summary>
public sealed class HoconScalar : HoconValue
{
    internal HoconScalar(HoconValueType type, string text, HoconPosition position) : base(position)
    {
        Type = type;
        Text = text;
    }

    /// <inheritdoc />
    public override HoconValueType Type { get; }

    /// <summary>The text of the value: the string itself, the number as written, <c>true</c>, <c>false</c> or <c>null</c>.</summary>
    public string Text { get; }

    internal override bool IsConcrete => true;

    internal static HoconScalar String(string text, HoconPosition position) => new(HoconValueType.String, text, position);

    internal static HoconScalar Null(HoconPosition position) => new(HoconValueType.Null, "null", position);
}
