namespace IrohActors.Actors.Internal;

/// <summary>The stash of one actor cell.</summary>
internal sealed class StashImpl(ActorCell cell, int capacity) : IStash
{
    private readonly List<Envelope> _stashed = [];

    public int Count => _stashed.Count;
    public bool IsEmpty => _stashed.Count == 0;
    public bool NonEmpty => _stashed.Count > 0;
    public int Capacity => capacity;
    public bool IsFull => capacity >= 0 && _stashed.Count >= capacity;

    public void Stash()
    {
        var current = cell.StashCurrentMessage();
        if (IsFull)
            throw new StashOverflowException($"{cell.Self.Path}: stash is full (capacity {capacity}); cannot stash {current.Message}");
        _stashed.Add(current);
    }

    public void Unstash()
    {
        if (_stashed.Count == 0)
            return;
        var first = _stashed[0];
        _stashed.RemoveAt(0);
        cell.Mailbox.Prepend(first);
    }

    public void UnstashAll() => UnstashAll(static _ => true);

    public void UnstashAll(Func<object, bool> predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        for (var i = _stashed.Count - 1; i >= 0; i--)
            if (predicate(_stashed[i].Message))
                cell.Mailbox.Prepend(_stashed[i]);
        _stashed.Clear();
    }

    public IReadOnlyList<object> ClearStash()
    {
        var messages = _stashed.Select(e => e.Message).ToList();
        _stashed.Clear();
        return messages;
    }

    internal void UnstashAllToFront() => UnstashAll();

    internal List<Envelope> TakeAll()
    {
        var all = new List<Envelope>(_stashed);
        _stashed.Clear();
        return all;
    }
}
