namespace IrohActors.Hocon;

/// <summary>A typed getter failed: missing path, wrong type, bad number, bad duration or size unit.</summary>
public sealed class HoconValueException : HoconException
{
    /// <summary>Creates the exception for the config path <paramref name="path"/>.</summary>
    public HoconValueException(string path, string reason, HoconPosition position, Exception? inner = null)
        : base(reason, position, inner)
    {
        Path = path;
    }

    /// <summary>The config path that was asked for.</summary>
    public string Path { get; }
}
