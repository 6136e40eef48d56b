using System.CommandLine;
using IrohActors.Bao;
using IrohActors.Blake3;
using IrohActors.Collections;
using Microsoft.Win32.SafeHandles;

namespace IrohActors.Cli.Commands;

/// <summary>
/// <c>bao …</c>: the <c>bao</c> tool's commands (hash, encode, decode, slice, decode-slice) with bao's framing,
/// byte-identical to bao at the default <c>--chunk-log 0</c>, plus <c>outboard</c> for native headerless outboards.
/// INPUT and OUTPUT default to stdin and stdout (also <c>-</c>). Decoders write only verified bytes and exit 1 naming the failing chunk.
/// </summary>
internal static class BaoCommand
{
    private const int Failed = 1;
    private const int Usage = 2;

    public static Command Create()
    {
        var bao = new Command("bao", "BLAKE3 verified streaming, compatible with the bao tool (encode, decode, slice, outboards).");
        bao.Subcommands.Add(HashCommand());
        bao.Subcommands.Add(EncodeCommand());
        bao.Subcommands.Add(DecodeCommand());
        bao.Subcommands.Add(SliceCommand());
        bao.Subcommands.Add(DecodeSliceCommand());
        bao.Subcommands.Add(OutboardCommand());
        return bao;
    }

    private static Option<int> ChunkLogOption() => new("--chunk-log")
    {
        Description = "chunk groups of 2^K KiB (0 = plain bao, byte-identical to the bao tool)",
        DefaultValueFactory = _ => 0,
    };

    private static Argument<string> PathArgument(string name, string description) => new(name)
    {
        Description = description,
        Arity = ArgumentArity.ZeroOrOne,
        DefaultValueFactory = _ => "-",
    };

    private static Command HashCommand()
    {
        var files = new Argument<string[]>("FILE") { Arity = ArgumentArity.ZeroOrMore, Description = "files to hash (stdin if none)" };
        var c = new Command("hash", "Print the BLAKE3 (= bao) hash of each input.");
        c.Arguments.Add(files);
        c.SetAction(pr => Run(pr, "hash", () =>
        {
            var names = pr.GetValue(files) is { Length: > 0 } f ? f : ["-"];
            var output = pr.InvocationConfiguration.Output;
            foreach (var name in names)
            {
                using var input = OpenInput(name);
                var hash = Hasher.New().Update(input).Finalize();
                output.WriteLine(names.Length > 1 ? $"{hash.ToHex()}  {name}" : hash.ToHex());
            }
            return 0;
        }));
        return c;
    }

    private static Command EncodeCommand()
    {
        var input = PathArgument("INPUT", "the data (stdin if omitted or -)");
        var output = PathArgument("OUTPUT", "the combined encoding (stdout if omitted or -)");
        var outboard = new Option<string?>("--outboard") { Description = "write a bao outboard (size + pairs) to this file instead of the combined encoding" };
        var chunkLog = ChunkLogOption();
        var c = new Command("encode", "Write the combined encoding (8-byte size + pre-order tree with data), or an outboard.");
        c.Arguments.Add(input);
        c.Arguments.Add(output);
        c.Options.Add(outboard);
        c.Options.Add(chunkLog);
        c.SetAction(pr => Run(pr, "encode", () =>
        {
            var blockSize = BlockSize.FromChunkLog(pr.GetValue(chunkLog));
            // The pre-order encoding needs the size and all pairs first: two passes over a file (stdin goes to a
            // temporary file first); only the pairs are held in memory.
            using var data = InputFile.Open(pr.GetValue(input)!);
            if (pr.GetValue(outboard) is { } outboardPath)
            {
                WriteOutput(outboardPath, s => BaoFormat.WriteOutboard(data.Handle, s, blockSize, data.Name));
                return 0;
            }
            WriteOutput(pr.GetValue(output)!, s => BaoFormat.Encode(data.Handle, s, blockSize, data.Name));
            return 0;
        }));
        return c;
    }

    private static Command DecodeCommand()
    {
        var hash = new Argument<string>("HASH") { Description = "the expected BLAKE3 hash: 64 hex characters or a CID" };
        var input = PathArgument("INPUT", "the combined encoding, or the original data with --outboard (stdin if omitted or -)");
        var output = PathArgument("OUTPUT", "the verified data (stdout if omitted or -)");
        var outboard = new Option<string?>("--outboard") { Description = "verify INPUT (the plain data) with this bao outboard" };
        var chunkLog = ChunkLogOption();
        var c = new Command("decode", "Verify an encoding against HASH and write the data; exit 1 naming the first bad chunk.");
        c.Arguments.Add(hash);
        c.Arguments.Add(input);
        c.Arguments.Add(output);
        c.Options.Add(outboard);
        c.Options.Add(chunkLog);
        c.SetAction((pr, ct) => RunAsync(pr, "decode", async () =>
        {
            var root = ParseHash(pr.GetValue(hash)!);
            var blockSize = BlockSize.FromChunkLog(pr.GetValue(chunkLog));
            var inputPath = pr.GetValue(input)!;
            await using var source = OpenInput(inputPath);
            if (pr.GetValue(outboard) is { } outboardPath)
            {
                await using var pairs = OpenInput(outboardPath);
                await WriteVerifiedAsync(pr.GetValue(output)!, s => BaoFormat.DecodeOutboardAsync(source, pairs, root, s, blockSize, inputPath, ct));
            }
            else
            {
                await WriteVerifiedAsync(pr.GetValue(output)!, s => BaoFormat.DecodeAsync(source, root, s, blockSize, inputPath, ct));
            }
            return 0;
        }));
        return c;
    }

    private static Command SliceCommand()
    {
        var start = new Argument<ulong>("START") { Description = "first byte of the slice" };
        var count = new Argument<ulong>("COUNT") { Description = "number of bytes" };
        var input = PathArgument("INPUT", "the combined encoding, or the original data with --outboard (stdin if omitted or -)");
        var output = PathArgument("OUTPUT", "the slice (stdout if omitted or -)");
        var outboard = new Option<string?>("--outboard") { Description = "slice INPUT (the plain data) using this bao outboard" };
        var chunkLog = ChunkLogOption();
        var c = new Command("slice", "Extract the part of an encoding that proves bytes START..START+COUNT.");
        c.Arguments.Add(start);
        c.Arguments.Add(count);
        c.Arguments.Add(input);
        c.Arguments.Add(output);
        c.Options.Add(outboard);
        c.Options.Add(chunkLog);
        c.SetAction(pr => Run(pr, "slice", () =>
        {
            var blockSize = BlockSize.FromChunkLog(pr.GetValue(chunkLog));
            using var source = OpenSeekable(pr.GetValue(input)!);
            if (pr.GetValue(outboard) is { } outboardPath)
            {
                using var pairs = OpenSeekable(outboardPath);
                WriteOutput(pr.GetValue(output)!, s => BaoFormat.Slice(source, pairs, pr.GetValue(start), pr.GetValue(count), s, blockSize));
            }
            else
            {
                WriteOutput(pr.GetValue(output)!, s => BaoFormat.Slice(source, pr.GetValue(start), pr.GetValue(count), s, blockSize));
            }
            return 0;
        }));
        return c;
    }

    private static Command DecodeSliceCommand()
    {
        var hash = new Argument<string>("HASH") { Description = "the expected BLAKE3 hash: 64 hex characters or a CID" };
        var start = new Argument<ulong>("START") { Description = "first byte of the slice" };
        var count = new Argument<ulong>("COUNT") { Description = "number of bytes" };
        var input = PathArgument("INPUT", "the slice (stdin if omitted or -)");
        var output = PathArgument("OUTPUT", "the verified bytes (stdout if omitted or -)");
        var chunkLog = ChunkLogOption();
        var c = new Command("decode-slice", "Verify a slice against HASH and write its bytes; exit 1 naming the bad chunk.");
        c.Arguments.Add(hash);
        c.Arguments.Add(start);
        c.Arguments.Add(count);
        c.Arguments.Add(input);
        c.Arguments.Add(output);
        c.Options.Add(chunkLog);
        c.SetAction((pr, ct) => RunAsync(pr, "decode-slice", async () =>
        {
            var root = ParseHash(pr.GetValue(hash)!);
            var inputPath = pr.GetValue(input)!;
            await using var source = OpenInput(inputPath);
            await WriteVerifiedAsync(pr.GetValue(output)!, s => BaoFormat.DecodeSliceAsync(
                source, root, pr.GetValue(start), pr.GetValue(count), s, BlockSize.FromChunkLog(pr.GetValue(chunkLog)), inputPath, ct));
            return 0;
        }));
        return c;
    }

    private static Command OutboardCommand()
    {
        var input = new Argument<string>("INPUT") { Description = "the data (- for stdin)" };
        var output = new Argument<string>("OUTPUT") { Description = "the outboard (- for stdout)" };
        var chunkLog = new Option<int>("--chunk-log") { Description = "chunk groups of 2^K KiB (iroh uses 4)", DefaultValueFactory = _ => 4 };
        var postOrder = new Option<bool>("--post-order") { Description = "post-order pairs followed by the 8-byte LE size (default: pre-order, no header)" };
        var c = new Command("outboard", "Write bao-tree's native outboard: pre-order pairs without header, or post-order with a size suffix; prints the hash.");
        c.Arguments.Add(input);
        c.Arguments.Add(output);
        c.Options.Add(chunkLog);
        c.Options.Add(postOrder);
        c.SetAction(pr => Run(pr, "outboard", () =>
        {
            var blockSize = BlockSize.FromChunkLog(pr.GetValue(chunkLog));
            using var data = InputFile.Open(pr.GetValue(input)!);
            var pre = PreOrderOutboard.CreateFromFile(data.Handle, blockSize, data.Name);
            var bytes = pr.GetValue(postOrder) ? pre.ToPostOrder().ToBytesWithSuffix() : pre.Data!;
            WriteOutput(pr.GetValue(output)!, s => s.Write(bytes));
            pr.InvocationConfiguration.Error.WriteLine(pre.Root.ToHex());
            return 0;
        }));
        return c;
    }

    private static Hash ParseHash(string text)
    {
        try
        {
            return HashOrCid.Parse(text).Hash;
        }
        catch (FormatException e)
        {
            throw new UsageException($"HASH: {e.Message}");
        }
    }

    private static Stream OpenInput(string path) =>
        path == "-" ? Console.OpenStandardInput() : new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);

    // A slice reads only the parts it needs, at offsets: from a file directly, from stdin via a temporary file.
    private static Stream OpenSeekable(string path) =>
        path != "-" ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16) : InputFile.SpillStandardInput();

    private static void WriteOutput(string path, Action<Stream> write)
    {
        if (path == "-")
        {
            using var stdout = new BufferedStream(Console.OpenStandardOutput(), 1 << 16);
            write(stdout);
            return;
        }
        if (IsDevice(path))
        {
            using var device = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1 << 16);
            write(device);
            return;
        }
        var temp = path + ".partial";
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            write(file);
        File.Move(temp, path, overwrite: true);
    }

    // To a file: into a temporary sibling that replaces OUTPUT only once everything verified, so a failed
    // decode leaves no output. To stdout: each leaf is written only after it verified.
    private static async Task WriteVerifiedAsync(string path, Func<Stream, Task> decode)
    {
        if (path == "-")
        {
            await using var stdout = Console.OpenStandardOutput();
            await decode(stdout);
            return;
        }
        if (IsDevice(path))
        {
            await using var device = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1 << 16);
            await decode(device);
            return;
        }
        var temp = path + ".partial";
        try
        {
            await using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
                await decode(file);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    // /dev/stdout, /dev/null, /proc/self/fd/N: written in place (a temporary sibling moved over them would
    // replace the device node itself).
    private static bool IsDevice(string path)
    {
        var full = Path.GetFullPath(path);
        return full.StartsWith("/dev/", StringComparison.Ordinal) || full.StartsWith("/proc/", StringComparison.Ordinal);
    }

    private static int Run(ParseResult pr, string name, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (Report(pr, name, e) is var code && code != 0)
        {
            return code;
        }
    }

    private static async Task<int> RunAsync(ParseResult pr, string name, Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (Exception e) when (Report(pr, name, e) is var code && code != 0)
        {
            return code;
        }
    }

    private static int Report(ParseResult pr, string name, Exception e)
    {
        var (code, what) = e switch
        {
            BaoVerificationException v => (Failed, $"verification failed: {v.Message}"),
            UsageException u => (Usage, u.Message),
            ArgumentOutOfRangeException a => (Usage, a.Message),
            FileNotFoundException f => (Failed, $"no such file: {f.FileName}"),
            EndOfStreamException eos => (Failed, $"input too short: {eos.Message}"),
            IOException io => (Failed, io.Message),
            UnauthorizedAccessException ua => (Failed, ua.Message),
            _ => (0, ""),
        };
        if (code != 0)
            pr.InvocationConfiguration.Error.WriteLine($"bao {name}: {what}");
        return code;
    }

    private sealed class UsageException(string message) : Exception(message);

    /// <summary>
    /// An input as a file read at offsets: a named file as it is (never loaded into memory), stdin copied to a
    /// temporary file first (its size is unknown until it ends, and the pre-order encoding needs it up front),
    /// deleted when disposed.
    /// </summary>
    private sealed class InputFile : IDisposable
    {
        private readonly IDisposable _owner;

        private InputFile(SafeFileHandle handle, IDisposable owner, string name)
        {
            Handle = handle;
            _owner = owner;
            Name = name;
        }

        public SafeFileHandle Handle { get; }

        public string Name { get; }

        public static InputFile Open(string path)
        {
            if (path == "-")
            {
                var spilled = SpillStandardInput();
                return new InputFile(spilled.SafeFileHandle, spilled, "stdin");
            }
            var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
            return new InputFile(handle, handle, path);
        }

        /// <summary>Copies stdin to a temporary file (deleted on close) and returns it at position 0.</summary>
        public static FileStream SpillStandardInput()
        {
            var temp = new FileStream(Path.Combine(Path.GetTempPath(), $"iroh-actors-bao-stdin-{Guid.NewGuid():N}"), FileMode.CreateNew,
                FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
            try
            {
                using (var stdin = Console.OpenStandardInput())
                    stdin.CopyTo(temp, 1 << 20);
                temp.Flush();
                temp.Position = 0;
                return temp;
            }
            catch
            {
                temp.Dispose();
                throw;
            }
        }

        public void Dispose() => _owner.Dispose();
    }
}
