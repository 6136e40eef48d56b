namespace IrohActors.Collections;

/// <summary>Why a directory walk left an entry out of a collection.</summary>
public enum SkippedKind
{
    /// <summary>A symbolic link: never followed, whether it points at a file or a directory, inside or outside the tree.</summary>
    SymbolicLink,

    /// <summary>A named pipe (FIFO): reading it would wait for a writer, or never end.</summary>
    NamedPipe,

    /// <summary>A Unix domain socket: it has no contents.</summary>
    Socket,

    /// <summary>A character or block device: its "contents" are a device's, possibly endless.</summary>
    Device,

    /// <summary>A file or directory whose name is not UTF-8: .NET cannot open it, and collection names are UTF-8.</summary>
    NameNotUtf8,

    /// <summary>
    /// A file or directory whose name holds a backslash or a control character (a newline, say): legal on Linux, but
    /// every receiver's export refuses such a name (it means different things on different systems), so a share that
    /// held it could not be received at all.
    /// </summary>
    UnsafeName,
}

/// <summary>
/// An entry of a directory tree that a walk did not include (<see cref="TreeWalker"/>, <see cref="DirectoryLinks"/>):
/// its name relative to the root (<c>/</c> separators; a directory's ends with <c>/</c>; control bytes, backslashes
/// and bytes that are not UTF-8 shown as <c>\xNN</c>) and why. A collection holds regular files only, as sendme's and rsync's transfers do.
/// </summary>
public readonly record struct SkippedEntry(string Name, SkippedKind Kind)
{
    /// <summary>What the entry is, in words ("named pipe").</summary>
    public string Description => Kind switch
    {
        SkippedKind.SymbolicLink => "symbolic link",
        SkippedKind.NamedPipe => "named pipe",
        SkippedKind.Socket => "socket",
        SkippedKind.Device => "device",
        SkippedKind.NameNotUtf8 => "name that is not UTF-8",
        SkippedKind.UnsafeName => "name with a backslash or control character",
        _ => Kind.ToString(),
    };

    /// <summary>"symbolic link docs/latest", "name that is not UTF-8 photos/caf\xe9.jpg".</summary>
    public override string ToString() => $"{Description} {Name}";

}
