using System.CommandLine;
using System.Text;
using IrohActors.Blake3;

namespace IrohActors.Cli.Commands;

/// <summary><c>hash</c>: BLAKE3 sums of files in b3sum 1.2's conventions (output, escaping, <c>--check</c>, keyed key on stdin).</summary>
internal static class HashCommand
{
    public static Command Create()
    {
        var files = new Argument<string[]>("files")
        {
            Description = "Files to hash, or checkfiles to check. When no file is given, or when - is given, read standard input.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var threads = new Option<int>("--threads", "--num-threads")
        {
            Description = "Threads per file (0 = all cores, 1 = single-threaded).",
            DefaultValueFactory = _ => 0,
        };
        var length = new Option<ulong>("--length", "-l")
        {
            Description = "The number of output bytes, prior to hex encoding.",
            DefaultValueFactory = _ => (ulong)Hash.Size,
        };
        var keyed = new Option<bool>("--keyed") { Description = "Keyed mode; the 32-byte key is read raw from standard input." };
        var deriveKey = new Option<string?>("--derive-key") { Description = "Key derivation mode with this context string." };
        var check = new Option<bool>("--check", "-c") { Description = "Reads BLAKE3 sums from the files and checks them." };
        var noNames = new Option<bool>("--no-names") { Description = "Omits file names in the output." };
        var raw = new Option<bool>("--raw") { Description = "Writes raw output bytes instead of hex (one input only)." };
        var quiet = new Option<bool>("--quiet") { Description = "With --check: skip printing OK lines." };
        var noMmap = new Option<bool>("--no-mmap") { Description = "Reads files with buffered reads instead of a memory map (single-threaded)." };

        var command = new Command("hash", "BLAKE3 sums of files, in b3sum's output format.");
        command.Arguments.Add(files);
        foreach (var option in new Option[] { threads, length, keyed, deriveKey, check, noNames, raw, quiet, noMmap })
            command.Options.Add(option);
        command.SetAction(pr =>
        {
            var settings = new HashSettings(
                Files: pr.GetValue(files) ?? [],
                Threads: pr.GetValue(threads),
                Length: pr.GetValue(length),
                Keyed: pr.GetValue(keyed),
                DeriveKeyContext: pr.GetValue(deriveKey),
                Check: pr.GetValue(check),
                NoNames: pr.GetValue(noNames),
                Raw: pr.GetValue(raw),
                Quiet: pr.GetValue(quiet),
                NoMmap: pr.GetValue(noMmap),
                LengthGiven: pr.GetResult(length) is { Implicit: false });
            using var stdin = Console.OpenStandardInput();
            using var stdout = Console.OpenStandardOutput();
            return new HashTool(settings, stdin, stdout, Console.Error).Run();
        });
        return command;
    }
}

/// <summary>The parsed options of <c>hash</c>.</summary>
internal sealed record HashSettings(
    string[] Files, int Threads, ulong Length, bool Keyed, string? DeriveKeyContext, bool Check, bool NoNames, bool Raw,
    bool Quiet, bool NoMmap, bool LengthGiven);

/// <summary>Runs <c>hash</c> over explicit streams (b3sum's main.rs behaviour): returns the exit code.</summary>
internal sealed class HashTool(HashSettings settings, Stream stdin, Stream stdout, TextWriter stderr)
{
    private const string Name = "hash";

    private byte[]? _key;

    public int Run()
    {
        try
        {
            return RunChecked();
        }
        catch (HashUsageException e)
        {
            stderr.WriteLine($"{Name}: {e.Message}");
            return 1;
        }
        finally
        {
            stdout.Flush();
        }
    }

    private int RunChecked()
    {
        var files = settings.Files.Length == 0 ? ["-"] : settings.Files;
        ValidateOptions(files);
        if (settings.Keyed)
            _key = ReadKey();
        bool failed = false;
        foreach (var path in files)
        {
            if (settings.Check)
            {
                CheckFile(path, ref failed);
                continue;
            }
            try
            {
                HashOne(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or HashUsageException)
            {
                failed = true;
                stdout.Flush();
                stderr.WriteLine($"{Name}: {path}: {e.Message}");
            }
        }
        return failed ? 1 : 0;
    }

    private void ValidateOptions(string[] files)
    {
        if (settings.Keyed && settings.DeriveKeyContext is not null)
            throw new HashUsageException("--keyed and --derive-key cannot be used together");
        if (settings.Keyed && settings.Files.Length == 0)
            throw new HashUsageException("--keyed requires at least one FILE (the key is read from standard input)");
        if (settings.Check && (settings.Keyed || settings.DeriveKeyContext is not null || settings.LengthGiven || settings.Raw || settings.NoNames))
            throw new HashUsageException("--check cannot be used with --keyed, --derive-key, --length, --raw or --no-names");
        if (settings.Quiet && !settings.Check)
            throw new HashUsageException("--quiet requires --check");
        if (settings.Raw && files.Length > 1)
            throw new HashUsageException("Only one filename can be provided when using --raw");
        if (settings.Threads < 0)
            throw new HashUsageException($"--threads must be 0 or more, got {settings.Threads}");
    }

    private byte[] ReadKey()
    {
        var key = new byte[Hash.Size + 1];
        int n = stdin.ReadAtLeast(key, key.Length, throwOnEndOfStream: false);
        if (n < Hash.Size)
            throw new HashUsageException($"expected {Hash.Size} key bytes from stdin, found {n}");
        if (n > Hash.Size)
            throw new HashUsageException($"read more than {Hash.Size} key bytes from stdin");
        return key[..Hash.Size];
    }

    private Hasher NewHasher() =>
        _key is not null ? Hasher.NewKeyed(_key)
        : settings.DeriveKeyContext is not null ? Hasher.NewDeriveKey(settings.DeriveKeyContext)
        : Hasher.New();

    /// <summary>Hashes one input: stdin, a memory-mapped file (on all threads) or a small/unmappable file read whole.</summary>
    private Hasher HashInput(string path)
    {
        var hasher = NewHasher();
        if (path == "-")
        {
            if (_key is not null)
                throw new HashUsageException("Cannot open `-` in keyed mode");
            hasher.Update(stdin);
            return hasher;
        }
        FileHashing.UpdateFromFile(hasher, path, settings.Threads, useMemoryMap: !settings.NoMmap);
        return hasher;
    }

    private void HashOne(string path)
    {
        var hasher = HashInput(path);
        if (settings.Raw)
        {
            WriteOutput(hasher, raw: true);
            return;
        }
        if (settings.NoNames)
        {
            WriteOutput(hasher, raw: false);
            Write("\n");
            return;
        }
        var (name, escaped) = ChecksumLine.EscapeName(path);
        if (escaped)
            Write("\\");
        WriteOutput(hasher, raw: false);
        Write("  " + name + "\n");
    }

    private void WriteOutput(Hasher hasher, bool raw)
    {
        Span<byte> block = stackalloc byte[64];
        ulong offset = 0;
        while (offset < settings.Length)
        {
            int take = (int)Math.Min(64UL, settings.Length - offset);
            hasher.FinalizeXof(offset, block[..take]);
            if (raw)
                stdout.Write(block[..take]);
            else
                Write(Convert.ToHexStringLower(block[..take]));
            offset += (ulong)take;
        }
    }

    private void Write(string text) => stdout.Write(Encoding.UTF8.GetBytes(text));

    private void CheckFile(string path, ref bool failed)
    {
        Stream input = path == "-" ? stdin : new FileStream(path, FileMode.Open, FileAccess.Read);
        using var reader = new StreamReader(input, new UTF8Encoding(false, throwOnInvalidBytes: true), false, 64 * 1024, leaveOpen: path == "-");
        int lineNumber = 0;
        string? line;
        while ((line = ReadLineLf(reader)) != null)
        {
            lineNumber++;
            if (!CheckLine(line, path, lineNumber))
                failed = true;
        }
    }

    /// <summary>Reads up to and without a '\n' (a '\r' stays part of the line, as in b3sum).</summary>
    private static string? ReadLineLf(StreamReader reader)
    {
        var sb = new StringBuilder();
        int c;
        while ((c = reader.Read()) >= 0)
        {
            if (c == '\n')
                return sb.ToString();
            sb.Append((char)c);
        }
        return sb.Length > 0 ? sb.ToString() : null;
    }

    private bool CheckLine(string line, string checkfile, int lineNumber)
    {
        if (!ChecksumLine.TryParse(line, out var parsed, out var error))
        {
            stdout.Flush();
            stderr.WriteLine($"{Name}: {checkfile}:{lineNumber}: {error}");
            return false;
        }
        string shown = parsed.IsEscaped ? "\\" + parsed.NameAsWritten : parsed.NameAsWritten;
        Hash found;
        try
        {
            found = HashInput(parsed.Path).Finalize();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or HashUsageException)
        {
            Write($"{shown}: FAILED ({e.Message})\n");
            return false;
        }
        if (found == parsed.Expected)
        {
            if (!settings.Quiet)
                Write($"{shown}: OK\n");
            return true;
        }
        Write($"{shown}: FAILED\n");
        return false;
    }
}

/// <summary>A usage or input error that b3sum reports on stderr with exit code 1.</summary>
internal sealed class HashUsageException(string message) : Exception(message);

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
