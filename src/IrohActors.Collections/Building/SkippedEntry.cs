using System.Buffers;
using System.Text;

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
}

/// <summary>
/// An entry of a directory tree that a walk did not include (<see cref="TreeWalker"/>, <see cref="DirectoryLinks"/>):
/// its name relative to the root (<c>/</c> separators; a directory's ends with <c>/</c>; bytes that are not UTF-8
/// shown as <c>\xNN</c>) and why. A collection holds regular files only, as sendme's and rsync's transfers do.
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
        _ => Kind.ToString(),
    };

    /// <summary>"symbolic link docs/latest", "name that is not UTF-8 photos/caf\xe9.jpg".</summary>
    public override string ToString() => $"{Description} {Name}";

    /// <summary>The name as text: UTF-8 decoded, each byte of an invalid sequence written as <c>\xNN</c>.</summary>
    public static string Escape(ReadOnlySpan<byte> name)
    {
        var text = new StringBuilder(name.Length);
        while (!name.IsEmpty)
        {
            if (Rune.DecodeFromUtf8(name, out var rune, out var consumed) == OperationStatus.Done)
                text.Append(rune.ToString());
            else
            {
                foreach (var b in name[..consumed])
                    text.Append($"\\x{b:x2}");
            }
            name = name[consumed..];
        }
        return text.ToString();
    }
}
