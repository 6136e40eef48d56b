using System.CommandLine;
using IrohActors.Blake3;
using IrohActors.Collections;

namespace IrohActors.Cli.Commands;

/// <summary><c>cid FILE…</c>: prints <c>&lt;cid&gt;  &lt;name&gt;</c> per file (raw codec, BLAKE3); <c>-</c> reads stdin.</summary>
internal static class CidCommand
{
    public static Command Create()
    {
        var files = new Argument<string[]>("files") { Arity = ArgumentArity.OneOrMore, Description = "Files to hash; '-' reads standard input." };
        var command = new Command("cid", "Print the CIDv1 (raw, BLAKE3, base32) of each file, like b3sum prints hashes.");
        command.Arguments.Add(files);
        command.SetAction(async (parse, ct) =>
        {
            int status = 0;
            foreach (var name in parse.GetValue(files) ?? [])
            {
                try
                {
                    Hash hash;
                    if (name == "-")
                    {
                        await using var stdin = Console.OpenStandardInput();
                        hash = (await Hasher.New().UpdateAsync(stdin, ct).ConfigureAwait(false)).Finalize();
                    }
                    else
                    {
                        await using var file = new FileStream(name, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan | FileOptions.Asynchronous);
                        hash = (await Hasher.New().UpdateAsync(file, ct).ConfigureAwait(false)).Finalize();
                    }
                    await parse.InvocationConfiguration.Output.WriteLineAsync($"{Cid.ForBlob(hash)}  {name}").ConfigureAwait(false);
                }
                catch (IOException e)
                {
                    await parse.InvocationConfiguration.Error.WriteLineAsync($"cid: {name}: {e.Message}").ConfigureAwait(false);
                    status = 1;
                }
                catch (UnauthorizedAccessException e)
                {
                    await parse.InvocationConfiguration.Error.WriteLineAsync($"cid: {name}: {e.Message}").ConfigureAwait(false);
                    status = 1;
                }
            }
            return status;
        });
        return command;
    }
}
