using IrohActors.Node.Identity;

namespace IrohActors.Node.Provider;

/// <summary>Which peers a provider serves: everyone, or only the NodeIds on an allow-list.</summary>
public sealed class AccessPolicy
{
    private readonly HashSet<NodeId>? _allowed;

    private AccessPolicy(HashSet<NodeId>? allowed) => _allowed = allowed;

    /// <summary>Serve every peer that proves a NodeId.</summary>
    public static AccessPolicy AllowAll { get; } = new(null);

    /// <summary>Serve only <paramref name="nodes"/>.</summary>
    public static AccessPolicy AllowList(IEnumerable<NodeId> nodes) => new([.. nodes]);

    /// <summary>True when the policy is an allow-list.</summary>
    public bool IsAllowList => _allowed is not null;

    /// <summary>True if <paramref name="peer"/> may make requests.</summary>
    public bool Allows(NodeId peer) => _allowed is null || _allowed.Contains(peer);

    /// <inheritdoc />
    public override string ToString() => _allowed is null ? "allow all" : $"allow-list of {_allowed.Count}";
}
