using System.Diagnostics.CodeAnalysis;

namespace IrohActors.Hocon;

/// <summary>A set of named fields, in the order they were first defined.</summary>
public sealed class HoconObject : HoconValue
{
    private readonly OrderedDictionary<string, HoconValue> _fields;

    internal HoconObject(OrderedDictionary<string, HoconValue> fields, HoconPosition position) : base(position)
    {
        _fields = fields;
    }

    /// <summary>The fields by key.</summary>
    public IReadOnlyDictionary<string, HoconValue> Fields => _fields;

    /// <summary>The keys in definition order.</summary>
    public IEnumerable<string> Keys => _fields.Keys;

    /// <summary>Number of fields.</summary>
    public int Count => _fields.Count;

    /// <summary>Looks up a direct field.</summary>
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out HoconValue value) => _fields.TryGetValue(key, out value);

    /// <inheritdoc />
    public override HoconValueType Type => HoconValueType.Object;

    internal override bool IsConcrete => true;

    /// <summary>The parser's builder access; only for objects that nothing else references yet.</summary>
    internal OrderedDictionary<string, HoconValue> MutableFields => _fields;

    internal static HoconObject Empty(HoconPosition position) => new(new OrderedDictionary<string, HoconValue>(StringComparer.Ordinal), position);

    /// <summary>An object holding <paramref name="value"/> at the nested path <paramref name="path"/> (from index <paramref name="start"/>).</summary>
    internal static HoconValue Wrap(IReadOnlyList<string> path, int start, HoconValue value)
    {
        var wrapped = value;
        for (var i = path.Count - 1; i >= start; i--)
        {
            var fields = new OrderedDictionary<string, HoconValue>(StringComparer.Ordinal) { [path[i]] = wrapped };
            wrapped = new HoconObject(fields, value.Position);
        }
        return wrapped;
    }
}
