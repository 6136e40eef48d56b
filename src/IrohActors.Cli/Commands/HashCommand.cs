using System.CommandLine;
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
            using var stdout = new BufferedStream(Console.OpenStandardOutput(), 64 * 1024);
            return new HashTool(settings, stdin, stdout, Console.Error).Run();
        });
        return command;
    }
}
