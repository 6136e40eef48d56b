using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace IrohActors.TestSupport;

/// <summary>
/// Entries a tree can hold besides files, directories and links, made as a hostile or careless tree would hold them
/// (Linux): a named pipe, a Unix domain socket, and names that are not UTF-8, which .NET's string paths cannot make.
/// </summary>
public static unsafe partial class SpecialFiles
{
    /// <summary>A named pipe (FIFO) at <paramref name="path"/>, with no writer.</summary>
    public static void MakeNamedPipe(string path)
    {
        if (MkFifo(path, 420) != 0)
            throw new IOException($"mkfifo {path}: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>A Unix domain socket bound at <paramref name="path"/>; its file is there until the socket is disposed (.NET then deletes it).</summary>
    public static Socket MakeSocket(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        return socket;
    }

    /// <summary>A file named <paramref name="name"/> (raw bytes) in <paramref name="directory"/>, holding <paramref name="contents"/>.</summary>
    public static void MakeFileWithRawName(string directory, byte[] name, byte[] contents) =>
        MakeRawFile(RawPath(System.Text.Encoding.UTF8.GetBytes(directory), name), contents);

    /// <summary>A directory named <paramref name="name"/> (raw bytes) in <paramref name="directory"/>, holding one file <c>inner</c>.</summary>
    public static void MakeDirectoryWithRawName(string directory, byte[] name)
    {
        var path = RawPath(System.Text.Encoding.UTF8.GetBytes(directory), name);
        if (MkDir(path, 493) != 0)
            throw new IOException($"mkdir {directory}/<raw name>: errno {Marshal.GetLastPInvokeError()}");
        MakeRawFile(RawPath(path[..^1], "inner"u8.ToArray()), "x"u8.ToArray());
    }

    private static void MakeRawFile(byte[] path, byte[] contents)
    {
        var fd = Open(path, 0x1 | 0x40 | 0x80 | 0x80000, 420);
        if (fd < 0)
            throw new IOException($"open <raw name>: errno {Marshal.GetLastPInvokeError()}");
        try
        {
            fixed (byte* bytes = contents)
            {
                if (Write(fd, bytes, contents.Length) != contents.Length)
                    throw new IOException($"write <raw name>: errno {Marshal.GetLastPInvokeError()}");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    // The NUL-terminated bytes of directory/name.
    private static byte[] RawPath(byte[] directory, byte[] name) => [.. directory, (byte)'/', .. name, 0];

    [LibraryImport("libc", EntryPoint = "mkfifo", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int MkFifo(string path, int mode);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true)]
    private static partial int Open(byte[] path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "mkdir", SetLastError = true)]
    private static partial int MkDir(byte[] path, int mode);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static partial nint Write(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
