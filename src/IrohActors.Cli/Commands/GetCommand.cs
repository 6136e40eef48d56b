using System.CommandLine;
using IrohActors.Collections;
using IrohActors.Node.NodeHost;
using IrohActors.Node.Tickets;
using IrohActors.Store;

namespace IrohActors.Cli.Commands;

/// <summary><c>get TICKET|CID [--from NODE_ADDR]</c>: download into the store only (for scripts); prints the hash.</summary>
internal static class GetCommand
{
    public static Command Create()
    {
        var what = new Argument<string>("ticket-or-cid") { Description = "A ticket, or a CID / 64-hex hash (then --from is required; a collection CID fetches the children too)." };
        var from = new Option<string?>("--from") { Description = "The provider as NODEID@ADDRESS:PORT[,ADDRESS:PORT]; overrides a ticket's node." };
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
                var fromText = parse.GetValue(from);
                BlobTicket ticket;
                if (text.StartsWith(BlobTicket.Prefix, StringComparison.OrdinalIgnoreCase))
                {
                    ticket = BlobTicket.Parse(text);
                    if (fromText is not null)
                        ticket = new BlobTicket(NodeSettings.ParseNodeAddr(fromText), ticket.Hash, ticket.Format, ticket.RelayUrl);
                }
                else
                {
                    var parsed = HashOrCid.Parse(text);
                    if (fromText is null)
                        throw new ArgumentException("a CID or hash needs --from NODEID@ADDRESS:PORT");
                    var format = parsed.Codec is CidCodec.Collection ? BlobFormat.HashSeq : BlobFormat.Raw;
                    ticket = new BlobTicket(NodeSettings.ParseNodeAddr(fromText), parsed.Hash, format);
                }
                var options = NodeSettings.Load(parse.GetValue(config), parse.GetValue(dataDir), listen: "");
                await using var node = await IrohNode.StartAsync(options, ct);
                await TransferDisplay.RunAsync(!parse.GetValue(noProgress), "getting", progress => node.DownloadAsync(ticket, progress, ct));
                Console.Out.WriteLine(ticket.Hash.ToHex());
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
