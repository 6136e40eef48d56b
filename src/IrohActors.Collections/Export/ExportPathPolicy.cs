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

    /// <summary>The path segments of <paramref name="name"/>, or throws naming the link and the rule broken.</summary>
    public static string[] Segments(ReadOnlySpan<byte> name)
    {
        if (name.IsEmpty)
            throw new CollectionExportException(name, "the name is empty");
        for (int i = 0; i < name.Length; i++)
        {
            byte b = name[i];
            if (b == 0)
                throw new CollectionExportException(name, $"NUL byte at offset {i}");
            if (b < 0x20 || b == 0x7f)
                throw new CollectionExportException(name, $"control byte 0x{b:x2} at offset {i}");
            if (b == '\\')
                throw new CollectionExportException(name, $"backslash at offset {i} (only '/' separates segments)");
        }
        string text;
        try
        {
            text = StrictUtf8.GetString(name);
        }
        catch (DecoderFallbackException)
        {
            throw new CollectionExportException(name, "the name is not valid UTF-8");
        }
        if (text[0] == '/')
            throw new CollectionExportException(name, "absolute path");
        var segments = text.Split('/');
        for (int i = 0; i < segments.Length; i++)
        {
            switch (segments[i])
            {
                case "":
                    throw new CollectionExportException(name, $"empty path segment {i + 1}");
                case ".":
                    throw new CollectionExportException(name, $"'.' path segment {i + 1}");
                case "..":
                    throw new CollectionExportException(name, $"'..' path segment {i + 1}");
            }
        }
        return segments;
    }
}
