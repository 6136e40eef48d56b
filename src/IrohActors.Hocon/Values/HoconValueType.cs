namespace IrohActors.Hocon;

/// <summary>The kind of a resolved HOCON value.</summary>
public enum HoconValueType
{
    /// <summary>An object (<c>{ ... }</c>).</summary>
    Object,
    /// <summary>An array (<c>[ ... ]</c>).</summary>
    Array,
    /// <summary>A string (quoted, unquoted, triple-quoted or concatenated).</summary>
    String,
    /// <summary>A number, kept as written.</summary>
    Number,
    /// <summary><c>true</c> or <c>false</c>.</summary>
    Boolean,
    /// <summary><c>null</c>.</summary>
    Null,
}
