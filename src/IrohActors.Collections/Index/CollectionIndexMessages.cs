using System.Text;
using IrohActors.Blake3;

namespace IrohActors.Collections.Index;

// The protocol of CollectionIndexActor. Every request is answered by the reply named in its summary, or by a
// Status.Failure carrying the exception.

/// <summary>Registers a collection the node now holds; it is read on the first query after. Reply: <see cref="CollectionAdded"/>.</summary>
/// <param name="Collection">BLAKE3 hash of the collection blob.</param>
public sealed record AddCollection(Hash Collection);

/// <summary>The collection is registered (again registering it is harmless; a failed one is retried).</summary>
/// <param name="Collection">The collection.</param>
public sealed record CollectionAdded(Hash Collection);

/// <summary>Forgets a collection and exactly the names it contributed. Reply: <see cref="CollectionRemoved"/>.</summary>
/// <param name="Collection">BLAKE3 hash of the collection blob.</param>
public sealed record RemoveCollection(Hash Collection);

/// <summary>The collection is no longer indexed.</summary>
/// <param name="Collection">The collection.</param>
/// <param name="WasRegistered">False when the index did not know the collection.</param>
/// <param name="LinksRemoved">How many of its links were taken out of the index (0 if it was never loaded).</param>
public sealed record CollectionRemoved(Hash Collection, bool WasRegistered, long LinksRemoved);

/// <summary>
/// Reads a registered collection into the index now instead of on the next query (a failed one is retried).
/// Reply: <see cref="CollectionLoaded"/>, or <c>Status.Failure</c> with a <see cref="CollectionLoadException"/> (or
/// <see cref="KeyNotFoundException"/> for a collection that was never added).
/// </summary>
/// <param name="Collection">BLAKE3 hash of the collection blob.</param>
public sealed record LoadCollection(Hash Collection);

/// <summary>The collection is in the index.</summary>
/// <param name="Collection">The collection.</param>
/// <param name="LinkCount">Its number of links.</param>
public sealed record CollectionLoaded(Hash Collection, long LinkCount);

/// <summary>Every link named exactly <paramref name="Name"/> in the held collections. Reply: <see cref="LookupResult"/>.</summary>
/// <param name="Name">The name (opaque bytes).</param>
public sealed record Lookup(ReadOnlyMemory<byte> Name)
{
    /// <summary>Looks up the UTF-8 encoding of <paramref name="name"/>.</summary>
    public Lookup(string name)
        : this(Encoding.UTF8.GetBytes(name))
    {
    }
}

/// <summary>
/// The links whose names start with <paramref name="Prefix"/>, in bytewise name order (and by collection hash
/// within a name), at most <paramref name="Limit"/> of them. Reply: <see cref="PrefixQueryResult"/>;
/// <c>Status.Failure</c> with <see cref="ArgumentOutOfRangeException"/> for a limit below 1.
/// </summary>
/// <param name="Prefix">The prefix (opaque bytes; empty lists everything).</param>
/// <param name="Limit">Most links to return.</param>
public sealed record PrefixQuery(ReadOnlyMemory<byte> Prefix, int Limit)
{
    /// <summary>Queries the UTF-8 encoding of <paramref name="prefix"/>.</summary>
    public PrefixQuery(string prefix, int limit)
        : this(Encoding.UTF8.GetBytes(prefix), limit)
    {
    }
}

/// <summary>One link of one held collection.</summary>
/// <param name="Name">The link's name.</param>
/// <param name="Collection">The collection that holds the link.</param>
/// <param name="Link">The hash the link points to.</param>
public sealed record IndexedLink(ReadOnlyMemory<byte> Name, Hash Collection, Hash Link)
{
    /// <summary>The name for display (UTF-8 where it decodes, other bytes escaped).</summary>
    public string DisplayName => LinkName.Display(Name.Span);

    /// <inheritdoc/>
    public override string ToString() => $"{DisplayName} -> {Link.ToHex()} (in {Collection.ToHex()})";
}

/// <summary>A registered collection the answer could not include, and why.</summary>
/// <param name="Collection">The collection.</param>
/// <param name="Reason">The load error (names the collection).</param>
public sealed record UnavailableCollection(Hash Collection, string Reason);

/// <summary>Answer to <see cref="Lookup"/>.</summary>
/// <param name="Name">The name looked up.</param>
/// <param name="Links">The links with that name, one per collection holding it, ordered by collection hash.</param>
/// <param name="Unavailable">Registered collections that could not be read (the answer may lack their links).</param>
public sealed record LookupResult(ReadOnlyMemory<byte> Name, IReadOnlyList<IndexedLink> Links, IReadOnlyList<UnavailableCollection> Unavailable);

/// <summary>Answer to <see cref="PrefixQuery"/>.</summary>
/// <param name="Prefix">The prefix queried.</param>
/// <param name="Links">The matching links in name order, at most the limit.</param>
/// <param name="Truncated">True when more links match than the limit allowed.</param>
/// <param name="Unavailable">Registered collections that could not be read (the answer may lack their links).</param>
public sealed record PrefixQueryResult(ReadOnlyMemory<byte> Prefix, IReadOnlyList<IndexedLink> Links, bool Truncated, IReadOnlyList<UnavailableCollection> Unavailable);

/// <summary>Asks for the index's bookkeeping. Reply: <see cref="CollectionIndexStatus"/>.</summary>
public sealed record GetCollectionIndexStatus
{
    /// <summary>The one instance.</summary>
    public static readonly GetCollectionIndexStatus Instance = new();
}

/// <summary>How many collections are registered, loaded and failed, and how many distinct names the index holds.</summary>
/// <param name="Registered">Collections added and not removed.</param>
/// <param name="Loaded">Of those, read into the index.</param>
/// <param name="Failed">Of those, failed to load (or missing from the store).</param>
/// <param name="Names">Distinct names in the index.</param>
public sealed record CollectionIndexStatus(int Registered, int Loaded, int Failed, int Names);
