namespace IrohActors.Node.Identity;

/// <summary>A key file could not be used; <see cref="Path"/> names it and the message says why.</summary>
public class KeyFileException : IOException
{
    /// <summary>Creates the exception for the file at <paramref name="path"/>.</summary>
    public KeyFileException(string path, string message, Exception? inner = null) : base($"{path}: {message}", inner) => Path = path;

    /// <summary>The key file.</summary>
    public string Path { get; }
}

/// <summary>A key file is readable or writable by group or others, so it is refused.</summary>
public sealed class InsecureKeyFileException : KeyFileException
{
    /// <summary>Creates the exception for a key file with too open a mode.</summary>
    public InsecureKeyFileException(string path, UnixFileMode mode)
        : base(path, $"key file mode is {ToOctal(mode)}; a secret key must not be accessible by group or others (run: chmod 600 '{path}')")
        => Mode = mode;

    /// <summary>The file's mode.</summary>
    public UnixFileMode Mode { get; }

    private static string ToOctal(UnixFileMode mode) => "0" + Convert.ToString((int)mode & 0xFFF, 8);
}
