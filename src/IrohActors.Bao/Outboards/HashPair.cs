using IrohActors.Blake3;

namespace IrohActors.Bao;

/// <summary>The two child chaining values of a parent node: 64 bytes on the wire and in outboards.</summary>
public readonly record struct HashPair(Hash Left, Hash Right)
{
    /// <summary>Bytes of a serialized pair.</summary>
    public const int Size = 64;

    /// <summary>Reads a pair from 64 bytes: left then right.</summary>
    public static HashPair Read(ReadOnlySpan<byte> bytes) =>
        new(Hash.FromBytes(bytes[..32]), Hash.FromBytes(bytes.Slice(32, 32)));

    /// <summary>Writes the pair as 64 bytes: left then right.</summary>
    public void Write(Span<byte> destination)
    {
        Left.CopyTo(destination[..32]);
        Right.CopyTo(destination.Slice(32, 32));
    }

    /// <summary>The chaining value of the parent node these children make.</summary>
    public Hash ParentCv(bool isRoot) => Subtree.ParentCv(Left, Right, isRoot);
}
