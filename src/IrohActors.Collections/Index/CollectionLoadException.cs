using IrohActors.Blake3;

namespace IrohActors.Collections.Index;

/// <summary>A collection registered with the <see cref="CollectionIndexActor"/> could not be read into the index.</summary>
public sealed class CollectionLoadException : Exception
{
    /// <summary>Creates the error for <paramref name="collection"/>, caused by <paramref name="innerException"/>.</summary>
    public CollectionLoadException(Hash collection, long linksRead, Exception innerException)
        : base($"collection {new Cid(CidCodec.Collection, collection)} ({collection.ToHex()}) could not be indexed after {linksRead} links: {innerException.Message}", innerException)
    {
        Collection = collection;
        LinksRead = linksRead;
    }

    /// <summary>Creates the error for a collection whose blob the node does not hold.</summary>
    public CollectionLoadException(Hash collection, string reason)
        : base($"collection {new Cid(CidCodec.Collection, collection)} ({collection.ToHex()}) could not be indexed: {reason}")
    {
        Collection = collection;
    }

    /// <summary>The collection that failed to load.</summary>
    public Hash Collection { get; }

    /// <summary>How many links had been read before the failure (they were taken out of the index again).</summary>
    public long LinksRead { get; }
}
