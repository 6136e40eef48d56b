using System.Text;
using IrohActors.Blake3;

namespace IrohActors.Cli.Commands;

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
                try
                {
                    CheckFile(path, ref failed);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or DecoderFallbackException)
                {
                    failed = true;
                    stdout.Flush();
                    stderr.WriteLine($"{Name}: checkfile {path}: {e.Message}");
                }
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
