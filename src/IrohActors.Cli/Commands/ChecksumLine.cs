using System.Text;
using IrohActors.Blake3;

namespace IrohActors.Cli.Commands;

/// <summary>One line of a checkfile: <c>[\]hex  name</c>, where a leading backslash means the name is escaped.</summary>
internal readonly record struct ChecksumLine(Hash Expected, string NameAsWritten, bool IsEscaped, string Path)
{
    /// <summary>b3sum's name escaping: with a backslash or newline in it, both get escaped and the line starts with a backslash.</summary>
    public static (string Name, bool Escaped) EscapeName(string path)
    {
        if (!path.Contains('\\') && !path.Contains('\n'))
            return (path, false);
        return (path.Replace("\\", "\\\\").Replace("\n", "\\n"), true);
    }

    /// <summary>Parses one line (without its '\n'); the error says what is wrong and at which column.</summary>
    public static bool TryParse(string line, out ChecksumLine parsed, out string error)
    {
        parsed = default;
        line = line.TrimEnd('\n');
        if (line.Length == 0)
        {
            error = "Empty line";
            return false;
        }
        bool escaped = line[0] == '\\';
        int start = escaped ? 1 : 0;
        const int hexLen = 2 * Hash.Size;
        if (Encoding.UTF8.GetByteCount(line.AsSpan(start)) <= hexLen + 2)
        {
            error = "Short line";
            return false;
        }
        for (int i = 0; i < hexLen + 2; i++)
        {
            if (start + i >= line.Length || line[start + i] > 0x7f)
            {
                error = $"Non-ASCII prefix at column {start + i + 1}";
                return false;
            }
        }
        if (line[start + hexLen] != ' ' || line[start + hexLen + 1] != ' ')
        {
            error = $"Invalid space at column {start + hexLen + 1}";
            return false;
        }
        for (int i = 0; i < hexLen; i++)
        {
            char c = line[start + i];
            if (!(c is >= '0' and <= '9' or >= 'a' and <= 'f'))
            {
                error = $"Invalid hex at column {start + i + 1}";
                return false;
            }
        }
        var expected = Hash.Parse(line.Substring(start, hexLen));
        string name = line[(start + hexLen + 2)..];
        string path = name;
        if (escaped && !TryUnescape(name, out path, out error))
            return false;
        if (path.Contains('\0'))
        {
            error = "Null character in path";
            return false;
        }
        if (path.Contains('\uFFFD'))
        {
            error = "Unicode replacement character in path";
            return false;
        }
        parsed = new ChecksumLine(expected, name, escaped, path);
        error = "";
        return true;
    }

    private static bool TryUnescape(string name, out string path, out string error)
    {
        var sb = new StringBuilder(name.Length);
        for (int i = 0; i < name.Length; i++)
        {
            if (name[i] != '\\')
            {
                sb.Append(name[i]);
                continue;
            }
            char next = i + 1 < name.Length ? name[i + 1] : '\0';
            if (next == 'n')
                sb.Append('\n');
            else if (next == '\\')
                sb.Append('\\');
            else
            {
                path = "";
                error = $"Invalid backslash escape at offset {i} of the name";
                return false;
            }
            i++;
        }
        path = sb.ToString();
        error = "";
        return true;
    }
}
