using System.CommandLine;
using System.Globalization;
using IrohActors.Blake3;
using IrohActors.Collections;
using IrohActors.Node.NodeHost;
using IrohActors.Store;

namespace IrohActors.Cli.Commands;

/// <summary>
/// The blob-store commands on a data directory: <c>add</c>, <c>ls</c>, <c>export</c>, <c>tag set|rm|ls</c>,
/// <c>gc</c> and <c>rm</c>. Each takes <c>--data-dir</c> (default: $IROH_ACTORS_DATA_DIR, else ~/.local/share/iroh-actors).
/// </summary>
internal static class StoreCommands
{
    /// <summary>The environment variable naming the default data directory.</summary>
    public const string DataDirVariable = "IROH_ACTORS_DATA_DIR";

    public static IEnumerable<Command> Create() => [Add(), Ls(), Export(), Tag(), Gc(), Rm()];

    private static Option<string> DataDirOption() => new("--data-dir")
    {
        Description = $"Store directory (default: ${DataDirVariable} or ~/.local/share/iroh-actors)",
        DefaultValueFactory = _ => DefaultDataDir(),
    };

    public static string DefaultDataDir() => StoreOptions.DefaultDataDir();

    private static Command Add()
    {
        var dataDir = DataDirOption();
        var path = new Argument<string>("path") { Description = "File or directory to add (a directory becomes a collection)" };
        var inPlace = new Option<bool>("--in-place") { Description = "Reference the files where they are instead of copying them (edits are detected on read)" };
        var tag = new Option<string?>("--tag") { Description = "Tag name (default: an auto-<UTC time> tag, so GC keeps the blob or collection)" };
        var command = new Command("add", "Add a file (a blob) or a directory (a collection of its files); prints hash, size and CID");
        command.Options.Add(dataDir);
        command.Options.Add(inPlace);
        command.Options.Add(tag);
        command.Arguments.Add(path);
        command.SetAction((pr, ct) => Run(pr, dataDir, async store =>
        {
            var file = pr.GetValue(path)!;
            var mode = pr.GetValue(inPlace) ? ImportMode.InPlace : ImportMode.Copy;
            var name = pr.GetValue(tag) ?? await AutoTagName(store, ct);
            var output = pr.InvocationConfiguration.Output;
            if (Directory.Exists(file))
            {
                var error = pr.InvocationConfiguration.Error;
                var content = await ContentImporter.ImportAsync(store, file, mode, name, skipped => error.WriteLine($"skipped {skipped.Description}: {skipped.Name}"), ct);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{content.Hash.ToHex()} {content.Bytes} {Cid.ForCollection(content.Hash)} {content.Files} files"));
                return;
            }
            using var result = await store.ImportFileAsync(file, mode, ct);
            await store.SetTagAsync(name, result.Hash, BlobFormat.Raw, ct);
            output.WriteLine($"{result.Hash.ToHex()} {result.Size} {Cid.ForBlob(result.Hash)}");
        }));
        return command;
    }

    private static Command Ls()
    {
        var dataDir = DataDirOption();
        var command = new Command("ls", "List the blobs in the store: hash, state, size (and the ranges of partial blobs)");
        command.Options.Add(dataDir);
        command.SetAction((pr, ct) => Run(pr, dataDir, async store =>
        {
            await foreach (var s in store.ListAsync(ct))
            {
                var extra = s.State == BlobState.Partial ? $" [{s.Ranges}]{(s.SizeProved ? "" : " size unproved")}" : "";
                pr.InvocationConfiguration.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{s.Hash.ToHex()} {s.State.ToString().ToLowerInvariant()} {s.Size}{extra}"));
            }
        }));
        return command;
    }

    private static Command Export()
    {
        var dataDir = DataDirOption();
        var hash = new Argument<string>("hash") { Description = "Blob hash (hex)" };
        var dest = new Argument<string>("dest") { Description = "Target file (must not exist)" };
        var link = new Option<bool>("--link") { Description = "Hard-link the store's file when possible instead of copying" };
        var command = new Command("export", "Write a complete blob to a file, verifying every byte");
        command.Options.Add(dataDir);
        command.Options.Add(link);
        command.Arguments.Add(hash);
        command.Arguments.Add(dest);
        command.SetAction((pr, ct) => Run(pr, dataDir, store =>
            store.ExportAsync(ParseHash(pr.GetValue(hash)!), pr.GetValue(dest)!, pr.GetValue(link) ? ExportMode.TryHardLink : ExportMode.Copy, ct)));
        return command;
    }

    private static Command Tag()
    {
        var command = new Command("tag", "Named tags that keep blobs from garbage collection");

        var setDir = DataDirOption();
        var setName = new Argument<string>("name");
        var setHash = new Argument<string>("hash");
        var hashSeq = new Option<bool>("--hash-seq") { Description = "The blob is a hash sequence: pin its children too" };
        var set = new Command("set", "Set (or move) a tag to a blob");
        set.Options.Add(setDir);
        set.Options.Add(hashSeq);
        set.Arguments.Add(setName);
        set.Arguments.Add(setHash);
        set.SetAction((pr, ct) => Run(pr, setDir, store =>
        {
            // A collection CID says what it is; hex needs --hash-seq.
            var target = HashOrCid.Parse(pr.GetValue(setHash)!);
            var collection = pr.GetValue(hashSeq) || target.Codec is CidCodec.Collection;
            return store.SetTagAsync(pr.GetValue(setName)!, target.Hash, collection ? BlobFormat.HashSeq : BlobFormat.Raw, ct);
        }));

        var rmDir = DataDirOption();
        var rmName = new Argument<string>("name");
        var rm = new Command("rm", "Remove a tag");
        rm.Options.Add(rmDir);
        rm.Arguments.Add(rmName);
        rm.SetAction((pr, ct) => Run(pr, rmDir, async store =>
        {
            if (!await store.RemoveTagAsync(pr.GetValue(rmName)!, ct))
                throw new ArgumentException($"no tag named '{pr.GetValue(rmName)}'");
        }));

        var lsDir = DataDirOption();
        var ls = new Command("ls", "List tags: name, hash, format");
        ls.Options.Add(lsDir);
        ls.SetAction((pr, ct) => Run(pr, lsDir, async store =>
        {
            foreach (var t in await store.ListTagsAsync(ct))
                pr.InvocationConfiguration.Output.WriteLine($"{t.Name} {t.Hash.ToHex()} {(t.Format == BlobFormat.HashSeq ? "hash-seq" : "raw")}");
        }));

        command.Subcommands.Add(set);
        command.Subcommands.Add(rm);
        command.Subcommands.Add(ls);
        return command;
    }

    private static Command Gc()
    {
        var dataDir = DataDirOption();
        var command = new Command("gc", "Delete every blob no tag pins");
        command.Options.Add(dataDir);
        command.SetAction((pr, ct) => Run(pr, dataDir, async store =>
        {
            var result = await store.GcAsync(ct);
            pr.InvocationConfiguration.Output.WriteLine($"deleted {result.Deleted.Count} blobs, kept {result.Live}");
        }));
        return command;
    }

    private static Command Rm()
    {
        var dataDir = DataDirOption();
        var hash = new Argument<string>("hash");
        var command = new Command("rm", "Delete a blob now (its tags stay; gc is the normal way)");
        command.Options.Add(dataDir);
        command.Arguments.Add(hash);
        command.SetAction((pr, ct) => Run(pr, dataDir, async store =>
        {
            var h = ParseHash(pr.GetValue(hash)!);
            if (!await store.DeleteAsync(h, ct))
                throw new ArgumentException($"blob {h.ToHex()} is not in the store");
        }));
        return command;
    }

    private static async Task<int> Run(ParseResult pr, Option<string> dataDir, Func<IBlobStore, Task> action)
    {
        try
        {
            await using var store = NodeStore.OpenFileSystem(pr.GetValue(dataDir)!);
            await action(store);
            return 0;
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException or FormatException)
        {
            // "tag rm: …", as the node commands name themselves ("send: …").
            var names = new List<string>();
            for (var result = pr.CommandResult; result.Parent is System.CommandLine.Parsing.CommandResult parent; result = parent)
                names.Insert(0, result.Command.Name);
            var command = string.Join(' ', names);
            await pr.InvocationConfiguration.Error.WriteLineAsync($"{command}: {e.Message}");
            return 1;
        }
    }

    /// <summary>A hash as 64 hex digits or a CID.</summary>
    private static Hash ParseHash(string text) => HashOrCid.Parse(text).Hash;

    /// <summary>iroh's auto tag: <c>auto-yyyy-MM-ddTHH:mm:ss.fffZ</c>, with -1, -2, … on collision.</summary>
    private static async Task<string> AutoTagName(IBlobStore store, CancellationToken ct)
    {
        var name = "auto-" + DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        var taken = (await store.ListTagsAsync(ct)).Select(t => t.Name).ToHashSet();
        var candidate = name;
        for (var i = 1; taken.Contains(candidate); i++)
            candidate = $"{name}-{i}";
        return candidate;
    }
}
