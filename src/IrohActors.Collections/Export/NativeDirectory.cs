using System.Runtime.InteropServices;

namespace IrohActors.Collections.Export;

/// <summary>
/// Creates a directory with a single <c>mkdir</c> where the platform allows it, telling "created now" apart from
/// "something was there" (which <see cref="Directory.CreateDirectory(string)"/> does not: it succeeds over an existing
/// directory or a link to one, so every new directory had to be probed before and after, five system calls instead of one).
/// </summary>
internal static partial class NativeDirectory
{
    private static readonly bool Available = OperatingSystem.IsLinux();

    /// <summary>
    /// True when <paramref name="path"/> did not exist and is now a new directory (mode 0777 less the umask, as
    /// <see cref="Directory.CreateDirectory(string)"/> makes it); false when something exists there, the parent is
    /// missing, the call failed, or the platform has no <c>mkdir</c> here — the caller then checks the path itself.
    /// </summary>
    public static bool TryCreateNew(string path) => Available && MakeDirectory(path, 0b111_111_111) == 0;

    [LibraryImport("libc", EntryPoint = "mkdir", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MakeDirectory(string path, uint mode);
}
