using System.Text;
using IrohActors.Blake3;

namespace IrohActors.Collections;

/// <summary>One entry of a collection: an opaque byte-string name and the BLAKE3 hash of the blob it names.</summary>
public readonly struct Link : IEquatable<Link>
{
    /// <summary>Creates a link; the name bytes are used as given (not copied).</summary>
    public Link(ReadOnlyMemory<byte> name, Hash hash)
    {
        Name = name;
        Hash = hash;
    }

    /// <summary>Creates a link whose name is the UTF-8 encoding of <paramref name="name"/>.</summary>
    public Link(string name, Hash hash)
        : this(Encoding.UTF8.GetBytes(name ?? throw new ArgumentNullException(nameof(name))), hash)
    {
    }

    /// <summary>The name: arbitrary bytes, compared and sorted bytewise.</summary>
    public ReadOnlyMemory<byte> Name { get; }

    /// <summary>The BLAKE3 hash of the linked blob.</summary>
    public Hash Hash { get; }

    /// <summary>The name for display: UTF-8 where it decodes, with control and invalid bytes escaped.</summary>
    public string DisplayName => LinkName.Display(Name.Span);

    /// <inheritdoc/>
    public bool Equals(Link other) => Hash == other.Hash && Name.Span.SequenceEqual(other.Name.Span);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Link other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => Hash.GetHashCode();

    /// <summary>Equal name bytes and hash.</summary>
    public static bool operator ==(Link left, Link right) => left.Equals(right);

    /// <summary>Different name bytes or hash.</summary>
    public static bool operator !=(Link left, Link right) => !left.Equals(right);

    /// <inheritdoc/>
    public override string ToString() => $"{DisplayName} -> {Hash.ToHex()}";
}
