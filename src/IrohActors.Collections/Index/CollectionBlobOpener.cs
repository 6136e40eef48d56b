using IrohActors.Blake3;

namespace IrohActors.Collections.Index;

/// <summary>
/// Opens the blob of a collection the node holds, or returns null when it does not (yet) hold it. This is how the
/// <see cref="CollectionIndexActor"/> reaches the store without depending on it. A returned reader that is
/// <see cref="IDisposable"/> or <see cref="IAsyncDisposable"/> is disposed once the actor is done with it.
/// </summary>
/// <param name="collection">BLAKE3 hash of the collection blob.</param>
/// <param name="cancellationToken">Cancelled when the actor stops.</param>
public delegate ValueTask<IBlobReader?> CollectionBlobOpener(Hash collection, CancellationToken cancellationToken);
