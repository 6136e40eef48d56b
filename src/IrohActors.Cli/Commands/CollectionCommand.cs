using System.CommandLine;
using System.Text;
using IrohActors.Collections;
using IrohActors.Hocon;
using IrohActors.Node.NodeHost;
using IrohActors.Node.Remote;
using IrohActors.Node.Tickets;
using IrohActors.Store;

namespace IrohActors.Cli.Commands;

/// <summary>
/// <c>collection count|get|ls TICKET …</c>: queries a collection on its provider through verified range requests,
/// fetching only the header, index pages and links the query reads (stored only with <c>--keep</c>); a collection
/// the local store holds complete is read from there.
/// </summary>
internal static class CollectionCommand
{
    public static Command Create()
    {
        var collection = new Command("collection", "Query a remote collection (count, look up a name, list a prefix) fetching only the verified ranges the query reads.");
        collection.Subcommands.Add(CreateCount());
        collection.Subcommands.Add(CreateGet());
        collection.Subcommands.Add(CreateLs());
        return collection;
    }

    private static Command CreateCount()
    {
        var command = NewQuery("count", "Print the number of links.", out var source);
        SetQuery(command, source, async (parse, reader, ct) =>
        {
            await parse.InvocationConfiguration.Output.WriteLineAsync(reader.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static Command CreateGet()
    {
        var command = NewQuery("get", "Print the hash linked under NAME (exit 1 when there is no such link).", out var source);
        var name = new Argument<string>("name") { Description = "The link's name (UTF-8)." };
        command.Arguments.Add(name);
        SetQuery(command, source, async (parse, reader, ct) =>
        {
            var wanted = parse.GetValue(name)!;
            if (await reader.GetAsync(wanted, ct).ConfigureAwait(false) is not { } hash)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"collection get: no link named \"{wanted}\"").ConfigureAwait(false);
                return 1;
            }
            await parse.InvocationConfiguration.Output.WriteLineAsync(hash.ToHex()).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static Command CreateLs()
    {
        var command = NewQuery("ls", "List links as '<hash>  <name>' in name order (names that are not printable UTF-8 are shown quoted and escaped).", out var source);
        var prefix = new Option<string>("--prefix") { Description = "Only names starting with this (UTF-8).", DefaultValueFactory = _ => "" };
        var limit = new Option<long>("--limit") { Description = "Stop after this many links (0 = all); the rest is never fetched.", DefaultValueFactory = _ => 0 };
        command.Options.Add(prefix);
        command.Options.Add(limit);
        SetQuery(command, source, async (parse, reader, ct) =>
        {
            var max = parse.GetValue(limit);
            if (max < 0)
                throw new ArgumentException($"--limit must be ≥ 0, got {max}");
            long listed = 0;
            var output = parse.InvocationConfiguration.Output;
            await foreach (var link in reader.PrefixAsync(parse.GetValue(prefix)!, ct).ConfigureAwait(false))
            {
                await output.WriteLineAsync($"{link.Hash.ToHex()}  {Printable(link)}").ConfigureAwait(false);
                if (++listed == max)
                    break;
            }
            return 0;
        });
        return command;
    }

    /// <summary>The name as text when it is printable UTF-8, else its quoted, escaped display form.</summary>
    private static string Printable(Link link)
    {
        var display = link.DisplayName;
        var text = Encoding.UTF8.GetString(link.Name.Span);
        return display == $"\"{text}\"" && text.Length > 0 ? text : display;
    }

    private sealed record QuerySource(Argument<string> Collection, Option<string?> From, Option<string?> DataDir, Option<string?> Config, Option<bool> Stats, Option<bool> Keep);

    private static Command NewQuery(string name, string description, out QuerySource source)
    {
        source = new QuerySource(
            new Argument<string>("ticket-or-cid") { Description = "A ticket, or a collection CID / 64-hex hash with --from." },
            new Option<string?>("--from") { Description = "The provider as NODEID@ADDRESS:PORT[,ADDRESS:PORT]; overrides a ticket's node." },
            NodeSettings.DataDir(),
            NodeSettings.Config(),
            new Option<bool>("--stats") { Description = "Print the requests made and response bytes received to stderr." },
            new Option<bool>("--keep") { Description = "Also store the verified chunk groups fetched (whole groups, so a little more travels); a later get resumes from them, and a collection held complete is read locally." });
        var command = new Command(name, description);
        command.Arguments.Add(source.Collection);
        command.Options.Add(source.From);
        command.Options.Add(source.DataDir);
        command.Options.Add(source.Config);
        command.Options.Add(source.Stats);
        command.Options.Add(source.Keep);
        return command;
    }

    private static void SetQuery(Command command, QuerySource source, Func<ParseResult, CollectionReader, CancellationToken, Task<int>> query)
    {
        var name = $"collection {command.Name}";
        command.SetAction(async (parse, ct) =>
        {
            try
            {
                var ticket = ParseSource(parse.GetValue(source.Collection)!, parse.GetValue(source.From));
                var options = NodeSettings.Load(parse.GetValue(source.Config), parse.GetValue(source.DataDir), listen: "");
                await using var node = await IrohNode.StartAsync(options, ct).ConfigureAwait(false);
                var configFile = parse.GetValue(source.Config);
                var remote = RemoteReadOptions.FromConfig(HoconConfig.Load(configFile is null ? null : HoconConfig.ParseFile(configFile)));
                if (parse.GetValue(source.Keep))
                    remote = remote with { Store = node.Store };
                if ((await node.Store.StatusAsync(ticket.Hash, ct).ConfigureAwait(false)).State == BlobState.Complete)
                {
                    var held = await node.OpenRemoteCollectionAsync(ticket, remote, ct).ConfigureAwait(false);
                    var status = await query(parse, held, ct).ConfigureAwait(false);
                    if (parse.GetValue(source.Stats))
                        await parse.InvocationConfiguration.Error.WriteLineAsync($"{name}: read from the local store ({held.Count} links), nothing fetched").ConfigureAwait(false);
                    return status;
                }
                var blob = await node.OpenRemoteBlobAsync(ticket.Node, ticket.Hash, remote, ct).ConfigureAwait(false);
                var reader = await CollectionReader.OpenAsync(blob, ct).ConfigureAwait(false);
                var code = await query(parse, reader, ct).ConfigureAwait(false);
                if (parse.GetValue(source.Stats))
                    await parse.InvocationConfiguration.Error.WriteLineAsync(
                        $"{name}: {blob.Requests} requests, {blob.BytesReceived} bytes received of a {blob.Size}-byte collection ({reader.Count} links)").ConfigureAwait(false);
                return code;
            }
            catch (OperationCanceledException)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"{name}: interrupted").ConfigureAwait(false);
                return 130;
            }
            catch (Exception e)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"{name}: {ReceiveCommand.OneLine(e.Message)}").ConfigureAwait(false);
                return 1;
            }
        });
    }

    /// <summary>A ticket (its node replaced by <paramref name="from"/> when given), or a hash/CID that needs <paramref name="from"/>.</summary>
    private static BlobTicket ParseSource(string text, string? from)
    {
        text = text.Trim();
        if (text.StartsWith(BlobTicket.Prefix, StringComparison.OrdinalIgnoreCase))
        {
            var ticket = BlobTicket.Parse(text);
            return from is null ? ticket : new BlobTicket(NodeSettings.ParseNodeAddr(from), ticket.Hash, ticket.Format, ticket.RelayUrl);
        }
        var parsed = HashOrCid.Parse(text);
        if (from is null)
            throw new ArgumentException("a CID or hash needs --from NODEID@ADDRESS:PORT");
        return new BlobTicket(NodeSettings.ParseNodeAddr(from), parsed.Hash, BlobFormat.HashSeq);
    }
}
