using System.CommandLine;
using IrohActors.Blake3;
using IrohActors.Collections;
using IrohActors.Node.NodeHost;
using IrohActors.Node.Tickets;
using IrohActors.Node.Transport;
using IrohActors.Store;

namespace IrohActors.Cli.Commands;

/// <summary><c>get TICKET|CID [--from NODE_ADDR|TICKET]…</c>: download into the store only (for scripts), from several providers at once when given several; prints the hash.</summary>
internal static class GetCommand
{
    /// <summary>A <c>--from</c> value: a ticket (its node) or <c>NODEID@ADDRESS:PORT[,…]</c>.</summary>
    internal static NodeAddr ParseProvider(string text)
    {
        text = text.Trim();
        return text.StartsWith(BlobTicket.Prefix, StringComparison.OrdinalIgnoreCase) ? BlobTicket.Parse(text).Node : NodeSettings.ParseNodeAddr(text);
    }

    public static Command Create()
    {
        var what = new Argument<string>("ticket-or-cid") { Description = "A ticket, or a CID / 64-hex hash (then --from is required; a collection CID fetches the children too)." };
        var from = new Option<string[]>("--from")
        {
            Description = "A provider: NODEID@ADDRESS:PORT[,ADDRESS:PORT] or a ticket for the same content; repeat it to download from several providers at once (swarm). One --from for a ticket's own node replaces its addresses.",
            Arity = ArgumentArity.ZeroOrMore,
            AllowMultipleArgumentsPerToken = false,
        };
        var dataDir = NodeSettings.DataDir();
        var config = NodeSettings.Config();
        var noProgress = NodeSettings.NoProgress();
        var get = new Command("get", "Download a blob or collection into the store (verified, resumable) and print its hash.");
        get.Arguments.Add(what);
        get.Options.Add(from);
        get.Options.Add(dataDir);
        get.Options.Add(config);
        get.Options.Add(noProgress);
        get.SetAction(async (parse, ct) =>
        {
            try
            {
                var text = parse.GetValue(what)!.Trim();
                var froms = (parse.GetValue(from) ?? []).Select(ParseProvider).ToList();
                Hash hash;
                BlobFormat format;
                var providers = new List<NodeAddr>();
                if (text.StartsWith(BlobTicket.Prefix, StringComparison.OrdinalIgnoreCase))
                {
                    var ticket = BlobTicket.Parse(text);
                    (hash, format) = (ticket.Hash, ticket.Format);
                    if (!froms.Any(f => f.NodeId == ticket.Node.NodeId))
                        providers.Add(ticket.Node);
                }
                else
                {
                    var parsed = HashOrCid.Parse(text);
                    if (froms.Count == 0)
                        throw new ArgumentException("a CID or hash needs --from NODEID@ADDRESS:PORT");
                    (hash, format) = (parsed.Hash, parsed.Codec is CidCodec.Collection ? BlobFormat.HashSeq : BlobFormat.Raw);
                }
                providers.AddRange(froms);
                var options = NodeSettings.Load(parse.GetValue(config), parse.GetValue(dataDir), listen: "");
                await using var node = await IrohNode.StartAsync(options, ct);
                if (providers.Count == 1)
                    await TransferDisplay.RunAsync(!parse.GetValue(noProgress), "getting", progress => node.DownloadAsync(new BlobTicket(providers[0], hash, format), progress, ct));
                else
                    await SwarmDisplay.RunAsync(node, SwarmDisplay.LoadOptions(parse.GetValue(config)), hash, format, providers, !parse.GetValue(noProgress), "getting", ct);
                Console.Out.WriteLine(hash.ToHex());
                return 0;
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine("get: interrupted; run the same command again to resume");
                return 130;
            }
            catch (Exception e)
            {
                Console.Error.WriteLine($"get: {ReceiveCommand.OneLine(e.Message)}");
                return 1;
            }
        });
        return get;
    }
}
