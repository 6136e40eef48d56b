using System.Buffers;
using IrohActors.Bao;
using IrohActors.Blake3;
using IrohActors.Node.Identity;

namespace IrohActors.Node.Getter;

/// <summary>
/// A small child's whole response item as it arrived (its parents and leaves in pre-order, not yet verified), in a
/// buffer rented from <see cref="ArrayPool{T}.Shared"/>: the decoding thread only reads it off the connection, and a
/// placer's writer thread verifies it (<see cref="Verify"/>) right before it creates the file, so the two cores share
/// the work of a tree of small files. Unverified bytes live only in this buffer; they never reach a file.
/// </summary>
internal sealed class EncodedSmallBlob
{
    private byte[]? _buffer;

    /// <summary>Takes ownership of <paramref name="buffer"/>, whose first <paramref name="length"/> bytes are the encoding of <paramref name="hash"/> (whole ranges).</summary>
    public EncodedSmallBlob(NodeId peer, Hash hash, BaoTree tree, byte[] buffer, int length)
    {
        Peer = peer;
        Hash = hash;
        Tree = tree;
        _buffer = buffer;
        Length = length;
    }

    /// <summary>The provider that sent it (named by a verification failure).</summary>
    public NodeId Peer { get; }

    /// <summary>The blob's hash (trusted: from the verified collection).</summary>
    public Hash Hash { get; }

    /// <summary>The blob's size as the provider claimed it, and the chunk-group size.</summary>
    public BaoTree Tree { get; }

    /// <summary>Bytes of encoding held (the whole item: <see cref="EncodedLength"/>, unless the response ended early).</summary>
    public int Length { get; }

    /// <summary>Bytes in the complete encoding of a blob with <paramref name="tree"/> requested whole: its data and one 64-byte pair per parent.</summary>
    public static long EncodedLength(BaoTree tree) => checked((long)(tree.Size + tree.OutboardSize));

    /// <summary>
    /// Verifies the encoding against <see cref="Hash"/>; returns the blob's data (a buffer rented from the shared pool, now
    /// the caller's, holding <see cref="BaoTree.Size"/> bytes) and fills <paramref name="outboard"/> with its verified parents.
    /// A blob of one chunk group is its own encoding and is verified where it lies (hashed whole); a larger one is decoded
    /// into a new buffer.
    /// </summary>
    /// <exception cref="TransferVerificationException">A parent or leaf does not verify, or the encoding is short (names chunk and peer).</exception>
    public byte[] Verify(PreOrderOutboard outboard)
    {
        var encoded = _buffer ?? throw new ObjectDisposedException(nameof(EncodedSmallBlob));
        var size = (int)Tree.Size;
        // One chunk group: the encoding is the data, it has no parents, and its root hash is the BLAKE3 hash of the data.
        // Most files of a source tree are this small; the decoder is only needed to name what failed.
        if (Tree.IsSingleGroup && Length == size && Hasher.Hash(encoded.AsSpan(0, size)) == Hash)
        {
            _buffer = null;
            return encoded;
        }
        var data = Tree.IsSingleGroup && Length == size ? encoded : ArrayPool<byte>.Shared.Rent(Math.Max(1, size));
        try
        {
            using var decoder = new ResponseDecoder(Hash, Tree, ChunkRanges.All, encoded.AsMemory(0, Length), $"peer {Peer}");
            decoder.DecodeIntoMemory(data.AsMemory(0, size), outboard);
        }
        catch (Exception e)
        {
            if (!ReferenceEquals(data, encoded))
                ArrayPool<byte>.Shared.Return(data);
            if (e is BaoVerificationException verification)
                throw new TransferVerificationException(Peer, Hash, verification);
            throw;
        }
        if (!ReferenceEquals(data, encoded))
            Release();
        else
            _buffer = null;
        return data;
    }

    /// <summary>Returns the encoding's buffer to the pool (unless <see cref="Verify"/> handed it out as the data).</summary>
    public void Release()
    {
        if (Interlocked.Exchange(ref _buffer, null) is { } buffer)
            ArrayPool<byte>.Shared.Return(buffer);
    }
}
