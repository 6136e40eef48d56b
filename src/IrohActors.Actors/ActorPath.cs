namespace IrohActors.Actors;

/// <summary>Path of an actor in its system's tree: <c>/user/store/outboard</c>, <c>/system/…</c>, <c>/deadLetters</c>.</summary>
public sealed class ActorPath : IEquatable<ActorPath>
{
    private readonly string _text;

    private ActorPath(string systemName, ActorPath? parent, string name)
    {
        SystemName = systemName;
        Parent = parent;
        Name = name;
        _text = parent is null ? "/" : parent.Parent is null ? "/" + name : parent._text + "/" + name;
    }

    /// <summary>The root path <c>/</c> of a system.</summary>
    internal static ActorPath Root(string systemName) => new(systemName, null, "");

    /// <summary>Name of the system the actor lives in.</summary>
    public string SystemName { get; }

    /// <summary>The parent path; null for the root.</summary>
    public ActorPath? Parent { get; }

    /// <summary>Last element (the actor's name); empty for the root.</summary>
    public string Name { get; }

    /// <summary>Path elements below the root, e.g. <c>["user", "store"]</c>.</summary>
    public IReadOnlyList<string> Elements
    {
        get
        {
            var list = new List<string>();
            for (var p = this; p.Parent is not null; p = p.Parent)
                list.Add(p.Name);
            list.Reverse();
            return list;
        }
    }

    /// <summary>A child path.</summary>
    public ActorPath Child(string name) => new(SystemName, this, name);

    /// <summary>The path with the system's address, e.g. <c>iroh://node/user/store</c>.</summary>
    public string ToStringWithAddress() => "iroh://" + SystemName + _text;

    /// <summary>The path without address, e.g. <c>/user/store</c>.</summary>
    public override string ToString() => _text;

    /// <inheritdoc />
    public bool Equals(ActorPath? other) => other is not null && other.SystemName == SystemName && other._text == _text;

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as ActorPath);

    /// <inheritdoc />
    public override int GetHashCode() => _text.GetHashCode(StringComparison.Ordinal);
}
