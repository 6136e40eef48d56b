using System.Buffers;

namespace IrohActors.Bao;

/// <summary>
/// A decode target that lends the decoder the memory leaves are read into and writes the verified leaves from
/// there, so nothing is copied between verification and the write (a store writing with <c>O_DIRECT</c> lends
/// aligned buffers). Given to <see cref="ResponseDecoder.DecodeIntoAsync"/> as the target stream, it replaces the
/// stream's <see cref="Stream.WriteAsync(ReadOnlyMemory{byte}, CancellationToken)"/>: each unit of a few hundred KiB
/// reads its leaves into storage from <see cref="RentLeafStorage"/>; once the unit verified, its runs go to
/// <see cref="WriteLeavesAsync"/> in stream order (one call at a time) and the storage to
/// <see cref="ReturnLeafStorage"/>. Only verified bytes are ever passed to <see cref="WriteLeavesAsync"/>.
/// </summary>
public interface ILeafStorageTarget
{
    /// <summary>Memory for at least <paramref name="minimumBytes"/> leaf bytes; the decoder owns it until it hands it to <see cref="ReturnLeafStorage"/>.</summary>
    /// <param name="minimumBytes">The unit's leaf capacity.</param>
    IMemoryOwner<byte> RentLeafStorage(int minimumBytes);

    /// <summary>
    /// Writes verified leaf bytes <paramref name="verified"/> (a slice of <paramref name="storage"/>'s memory) at blob
    /// offset <paramref name="offset"/>. The target may go on reading <paramref name="verified"/> after the call
    /// returned (write-behind) until it released <paramref name="storage"/>; the decoder does not write to that part of
    /// the storage again.
    /// </summary>
    /// <param name="offset">The blob offset of the first byte (a chunk boundary).</param>
    /// <param name="verified">Leaves adjacent in the blob, verified.</param>
    /// <param name="storage">The storage <paramref name="verified"/> lies in (from <see cref="RentLeafStorage"/>).</param>
    /// <param name="cancellationToken">Stops a write that waits.</param>
    ValueTask WriteLeavesAsync(ulong offset, ReadOnlyMemory<byte> verified, IMemoryOwner<byte> storage, CancellationToken cancellationToken);

    /// <summary>
    /// Takes back storage from <see cref="RentLeafStorage"/> whose verified runs were all passed to
    /// <see cref="WriteLeavesAsync"/> (or that holds nothing to write); the target frees or reuses it once those writes finished.
    /// </summary>
    /// <param name="storage">The storage; the decoder no longer touches it.</param>
    void ReturnLeafStorage(IMemoryOwner<byte> storage);
}
