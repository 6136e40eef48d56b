using System.CommandLine;
using System.Net;
using IrohActors.Bao;
using IrohActors.Hocon;
using IrohActors.Node.Identity;
using IrohActors.Node.NodeHost;
using IrohActors.Node.Peers;
using IrohActors.Node.Provider;
using IrohActors.Node.Transport;
using IrohActors.Store;

namespace IrohActors.Cli.Commands;

/// <summary>Builds <see cref="IrohNodeOptions"/> from HOCON (<c>iroh.node</c>, <c>iroh.provider</c>, <c>iroh.bao</c>) and the shared options of the node commands.</summary>
internal static class NodeSettings
{
    public static Option<string?> DataDir() => new("--data-dir")
    {
        Description = $"Data directory (node key and blob store); default iroh.node.data-dir, else ${NodeDataDirectory.EnvironmentVariable}, else ~/.local/share/iroh-actors.",
    };

    public static Option<string?> Config() => new("--config")
    {
        Description = "A HOCON file layered over the reference configuration (hocon/reference.conf).",
    };

    public static Option<bool> NoProgress() => new("--no-progress")
    {
        Description = "No progress display (for scripts).",
    };

    public static Option<string?> Listen() => new("--listen")
    {
        Description = "Address:port to accept connections on (default iroh.node.listen).",
    };

    /// <summary>Reads the options; <paramref name="listen"/> null = use the config's address, "" = do not listen.</summary>
    /// <exception cref="FormatException">A configured value does not parse (the message names the key).</exception>
    public static IrohNodeOptions Load(string? configFile, string? dataDir, string? listen)
    {
        var config = HoconConfig.Load(configFile is null ? null : HoconConfig.ParseFile(configFile));
        var node = config.GetConfig("iroh.node");
        var provider = config.GetConfig("iroh.provider");
        var configuredDir = node.GetString("data-dir", "") ?? "";
        var allow = provider.GetStringList("allow").Select(text =>
        {
            try
            {
                return NodeId.Parse(text);
            }
            catch (FormatException e)
            {
                throw new FormatException($"iroh.provider.allow: {e.Message}", e);
            }
        }).ToList();
        var listenText = listen ?? node.GetString("listen") ?? "";
        var options = new IrohNodeOptions
        {
            DataDirectory = dataDir ?? (configuredDir.Length == 0 ? null : configuredDir),
            ListenAddress = listenText.Length == 0 ? null : ParseEndPoint(listenText, "listen address"),
            StoreOptions = StoreOptions.FromConfig(config),
            Transport = new TransportOptions
            {
                ConnectTimeout = node.GetTimeSpan("connect-timeout"),
                IdleTimeout = node.GetTimeSpan("idle-timeout"),
                KeepAliveInterval = node.GetTimeSpan("keep-alive-interval"),
                KeepAliveTimeout = node.GetTimeSpan("keep-alive-timeout"),
                StreamReceiveWindow = ByteSizeInt(node, "iroh.node", "stream-receive-window"),
                MaxStreamReceiveWindow = ByteSizeInt(node, "iroh.node", "max-stream-receive-window"),
                ReceiveWindowGrowthBudget = ByteSizeInt(node, "iroh.node", "receive-window-growth-budget"),
                ConnectionThreads = node.GetBoolean("connection-threads"),
                Tls = node.GetString("tls") switch
                {
                    "openssl" => TlsProvider.OpenSsl,
                    "sslstream" => TlsProvider.SslStream,
                    var other => throw new FormatException($"iroh.node.tls = {other}: must be openssl or sslstream"),
                },
            },
            Peers = new PeerOptions
            {
                MinBackoff = node.GetTimeSpan("peers.min-backoff"),
                MaxBackoff = node.GetTimeSpan("peers.max-backoff"),
                MaxReconnectAttempts = node.GetInt("peers.max-reconnect-attempts"),
            },
            Provider = new ProviderOptions
            {
                MaxConcurrentRequestsPerPeer = provider.GetInt("max-concurrent-requests-per-peer"),
                MaxConcurrentRequests = provider.GetInt("max-concurrent-requests"),
                MaxRequestSize = ByteSizeInt(provider, "iroh.provider", "max-request-size"),
                ProgressEventBytes = provider.GetByteSize("progress-event-bytes"),
                StallTimeout = provider.GetTimeSpan("stall-timeout"),
                Access = allow.Count == 0 ? AccessPolicy.AllowAll : AccessPolicy.AllowList(allow),
            },
        };
        // The node checks these too, but by property name; here a value out of range is named by its key.
        ValidateNamed(options.Provider.Validate, provider, "iroh.provider");
        ValidateNamed(options.Transport.Validate, node, "iroh.node");
        return options;
    }

    /// <summary>Runs <paramref name="validate"/>; an out-of-range property becomes a <see cref="FormatException"/> naming its key (<c>MaxRequestSize</c> → <c>iroh.provider.max-request-size</c>) when the section has it.</summary>
    private static void ValidateNamed(Action validate, Config section, string sectionPath)
    {
        try
        {
            validate();
        }
        catch (ArgumentOutOfRangeException e) when (e.ParamName is { } property)
        {
            var key = string.Concat(property.Select((c, i) => char.IsUpper(c) ? (i > 0 ? "-" : "") + char.ToLowerInvariant(c) : c.ToString()));
            var name = section.HasPath(key) ? $"{sectionPath}.{key}" : property;
            // The message without .NET's "(Parameter …) Actual value was …" suffix, which repeats the property.
            var reason = e.Message.Split(" (Parameter", 2)[0];
            throw new FormatException($"{name} = {e.ActualValue}: {reason}", e);
        }
    }

    /// <summary>A byte size that must fit in 32 bits.</summary>
    /// <exception cref="FormatException">It is 2 GiB or more (the message names the key).</exception>
    private static int ByteSizeInt(Config section, string sectionPath, string key)
    {
        var size = section.GetByteSize(key);
        return size <= int.MaxValue
            ? (int)size
            : throw new FormatException($"{sectionPath}.{key}: {size} bytes is too large (at most {int.MaxValue})");
    }

    /// <summary>Parses <c>host:port</c> or <c>[v6]:port</c>.</summary>
    public static IPEndPoint ParseEndPoint(string text, string what) =>
        IPEndPoint.TryParse(text, out var endPoint) && text.Contains(':', StringComparison.Ordinal)
            ? endPoint
            : throw new FormatException($"{what} '{text}' is not ADDRESS:PORT (e.g. 0.0.0.0:4919 or [::1]:4919)");

    /// <summary>Parses <c>NODEID@ADDRESS:PORT[,ADDRESS:PORT…]</c>.</summary>
    public static NodeAddr ParseNodeAddr(string text)
    {
        var at = text.IndexOf('@', StringComparison.Ordinal);
        if (at < 0)
            throw new FormatException($"'{text}' is not NODEID@ADDRESS:PORT");
        var id = NodeId.Parse(text[..at]);
        var addresses = text[(at + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(a => ParseEndPoint(a, "node address")).ToList();
        if (addresses.Count == 0)
            throw new FormatException($"'{text}' names no address after '@'");
        return new NodeAddr(id, addresses);
    }
}
