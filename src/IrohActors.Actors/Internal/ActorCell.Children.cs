using System.Text;

namespace IrohActors.Actors.Internal;

/// <summary>A child as its parent knows it: the cell, whether it is being stopped, and its restart statistics.</summary>
internal sealed class ChildEntry(ActorCell cell)
{
    public ActorCell Cell { get; } = cell;
    public bool Stopping { get; set; }
    public int RestartCount { get; set; }
    public long WindowStartTicks { get; set; }
}

internal sealed partial class ActorCell
{
    private const string NameChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+~";
    private readonly object _childrenLock = new();
    private readonly Dictionary<string, ChildEntry> _children = new(StringComparer.Ordinal);
    private long _nextChildName;

    public IActorRef ActorOf(Props props, string? name = null)
    {
        if (!ReferenceEquals(t_current, this) && _parent is not null && !IsGuardian)
            throw new NotSupportedException($"{Self.Path}: Context.ActorOf can only be called on the actor's own turn");
        return CreateChild(props, name, allowReservedName: false).Self;
    }

    /// <summary>Creates a child cell and sends it Create. Thread-safe (the system creates top-level actors from any thread).</summary>
    public ActorCell CreateChild(Props props, string? name, bool allowReservedName)
    {
        ArgumentNullException.ThrowIfNull(props);
        if (_terminated)
            throw new InvalidOperationException($"{Self.Path} has stopped; it cannot create children");
        ActorCell child;
        bool stopAtOnce;
        lock (_childrenLock)
        {
            if (name is null)
                name = "$" + EncodeName(_nextChildName++);
            else
                ValidateName(name, allowReservedName);
            if (_children.ContainsKey(name))
                throw new InvalidActorNameException($"Actor name [{name}] is not unique under {Self.Path} (a sibling of that name is alive or still stopping)");
            child = new ActorCell(_system, this, props, Self.Path.Child(name), _system.NextUid());
            var entry = new ChildEntry(child);
            _children.Add(name, entry);
            stopAtOnce = _terminating;
            entry.Stopping = stopAtOnce;
        }
        child.Mailbox.PostSystem(Create.Instance);
        if (stopAtOnce)
            child.Mailbox.PostSystem(Internal.Terminate.Instance);
        return child;
    }

    public IActorRef Child(string name)
    {
        lock (_childrenLock)
            return _children.TryGetValue(name, out var entry) && !entry.Stopping ? entry.Cell.Self : ActorRefs.Nobody;
    }

    public IEnumerable<IActorRef> GetChildren() => Children;

    public IReadOnlyList<IActorRef> Children
    {
        get
        {
            lock (_childrenLock)
                return _children.Values.Where(e => !e.Stopping).Select(e => (IActorRef)e.Cell.Self).ToList();
        }
    }

    /// <summary>All child cells (also those being stopped): a snapshot.</summary>
    public List<ChildEntry> ChildEntries()
    {
        lock (_childrenLock)
            return [.. _children.Values];
    }

    private ChildEntry? FindChild(ActorCell cell)
    {
        lock (_childrenLock)
            return _children.TryGetValue(cell.Self.Path.Name, out var entry) && ReferenceEquals(entry.Cell, cell) ? entry : null;
    }

    private bool HasChildren
    {
        get
        {
            lock (_childrenLock)
                return _children.Count > 0;
        }
    }

    private bool AnyChildStopping
    {
        get
        {
            lock (_childrenLock)
                return _children.Values.Any(e => e.Stopping);
        }
    }

    /// <summary>Asks a child to stop (marking it, so its name stays taken until it has stopped).</summary>
    public void StopChild(ActorCell child)
    {
        lock (_childrenLock)
        {
            if (_children.TryGetValue(child.Self.Path.Name, out var entry) && ReferenceEquals(entry.Cell, child))
                entry.Stopping = true;
        }
        child.Mailbox.PostSystem(Internal.Terminate.Instance);
    }

    public void Stop(IActorRef actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var target = ActorRefResolver.Resolve(actor);
        if (target is LocalActorRef local && ReferenceEquals(local.Cell._parent, this))
            StopChild(local.Cell);
        else
            target?.SendSystemMessage(Internal.Terminate.Instance);
    }

    private void HandleChildTerminated(ActorCell child)
    {
        lock (_childrenLock)
        {
            if (_children.TryGetValue(child.Self.Path.Name, out var entry) && ReferenceEquals(entry.Cell, child))
                _children.Remove(child.Self.Path.Name);
        }
        if (_terminating)
        {
            if (!HasChildren)
                FinishTerminate();
        }
        else if (_recreatePending && !AnyChildStopping)
        {
            FinishRecreate(_recreateCause!);
        }
    }

    private bool IsGuardian => _actor is GuardianActor;

    internal static string EncodeName(long value)
    {
        var sb = new StringBuilder();
        do
        {
            sb.Append(NameChars[(int)(value & 63)]);
            value >>= 6;
        } while (value != 0);
        return sb.ToString();
    }

    internal static void ValidateName(string name, bool allowReserved)
    {
        if (string.IsNullOrEmpty(name))
            throw new InvalidActorNameException("Actor name must not be empty");
        if (name[0] == '$' && !allowReserved)
            throw new InvalidActorNameException($"Actor name [{name}] must not start with '$' (reserved for generated names)");
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsAsciiLetterOrDigit(c) || "-_.*$+:@&=,!~';()".Contains(c))
                continue;
            if (c == '%' && i + 2 < name.Length && char.IsAsciiHexDigit(name[i + 1]) && char.IsAsciiHexDigit(name[i + 2]))
            {
                i += 2;
                continue;
            }
            throw new InvalidActorNameException($"Actor name [{name}] has an invalid character '{c}' at index {i} (allowed: ASCII letters, digits, -_.*$+:@&=,!~';() and %XX)");
        }
    }
}
