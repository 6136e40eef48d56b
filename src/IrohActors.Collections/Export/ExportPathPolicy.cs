using System.Buffers;
using System.Text;

namespace IrohActors.Collections.Export;

/// <summary>
/// Which link names may become files. A name must be valid UTF-8, relative, made of non-empty segments
/// separated by <c>/</c>, none of them <c>.</c> or <c>..</c>, with no backslash and no control byte (NUL,
/// 0x01–0x1f, 0x7f). Anything else could escape the target directory or means different things on different systems.
/// </summary>
internal static class ExportPathPolicy
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    // Bytes never allowed in a name: control bytes (NUL included), DEL and backslash.
    private static readonly SearchValues<byte> Forbidden = SearchValues.Create(
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 0x7f, (byte)'\\']);

    /// <summary>The path segments of <paramref name="name"/>, or throws naming the link and the rule broken.</summary>
    public static string[] Segments(ReadOnlySpan<byte> name) => Segments(name, out _);

    /// <summary>The path segments of <paramref name="name"/> and the whole name as text (the segments joined by <c>/</c>), or throws naming the link and the rule broken.</summary>
    public static string[] Segments(ReadOnlySpan<byte> name, out string text)
    {
        if (name.IsEmpty)
            throw new CollectionExportException(name, "the name is empty");
        CheckBytes(name, 0);
        text = Decode(name, name);
        if (text[0] == '/')
            throw new CollectionExportException(name, "absolute path");
        var segments = text.Split('/');
        for (int i = 0; i < segments.Length; i++)
            CheckSegment(name, segments[i], i);
        return segments;
    }

    /// <summary>
    /// The last segment of <paramref name="name"/> (its file name), checked by the same rules as <see cref="Segments(ReadOnlySpan{byte})"/>, for a name
    /// whose directory part (the bytes before its last <c>/</c>) the caller has already checked. A <c>/</c> never occurs
    /// inside a UTF-8 sequence, so the last segment decodes on its own exactly as it does within the whole name.
    /// </summary>
    public static string FileName(ReadOnlySpan<byte> name)
    {
        if (name.IsEmpty)
            throw new CollectionExportException(name, "the name is empty");
        if (name[0] == '/')
            throw new CollectionExportException(name, "absolute path");
        var start = name.LastIndexOf((byte)'/') + 1;
        CheckBytes(name, start);
        var segment = Decode(name, name[start..]);
        CheckSegment(name, segment, name[..start].Count((byte)'/'));
        return segment;
    }

    /// <summary>Where the first byte no name may hold (a control byte, DEL or a backslash) is in <paramref name="bytes"/>, or -1.</summary>
    public static int FirstForbidden(ReadOnlySpan<byte> bytes) => bytes.IndexOfAny(Forbidden);

    // The first forbidden byte at or after `start`, named with its offset in the whole name.
    private static void CheckBytes(ReadOnlySpan<byte> name, int start)
    {
        var found = FirstForbidden(name[start..]);
        if (found < 0)
            return;
        var i = start + found;
        var b = name[i];
        if (b == 0)
            throw new CollectionExportException(name, $"NUL byte at offset {i}");
        if (b == '\\')
            throw new CollectionExportException(name, $"backslash at offset {i} (only '/' separates segments)");
        throw new CollectionExportException(name, $"control byte 0x{b:x2} at offset {i}");
    }

    private static string Decode(ReadOnlySpan<byte> name, ReadOnlySpan<byte> bytes)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new CollectionExportException(name, "the name is not valid UTF-8");
        }
    }

    private static void CheckSegment(ReadOnlySpan<byte> name, string segment, int index)
    {
        switch (segment)
        {
            case "":
                throw new CollectionExportException(name, $"empty path segment {index + 1}");
            case ".":
                throw new CollectionExportException(name, $"'.' path segment {index + 1}");
            case "..":
                throw new CollectionExportException(name, $"'..' path segment {index + 1}");
        }
    }
}
