using System.Buffers.Binary;
using IrohActors.Blake3;
using Microsoft.Win32.SafeHandles;

namespace IrohActors.Bao;

/// <summary>
/// The framings of the <c>bao</c> tool: the combined encoding (8-byte LE size, then the pre-order tree with
/// the data), the outboard (8-byte size, then the pairs) and slices (8-byte size, then what a reader of one
/// byte range needs). At chunk log 0 (the default here) every output is byte-identical to bao's.
/// </summary>
public static class BaoFormat
{
    /// <summary>Bytes of the size header.</summary>
    public const int HeaderSize = 8;

    /// <summary>Writes the combined encoding of <paramref name="data"/> to <paramref name="output"/> and returns the root hash.</summary>
    public static Hash Encode(ReadOnlyMemory<byte> data, Stream output, BlockSize blockSize = default)
    {
        var outboard = PreOrderOutboard.Create(data, blockSize);
        WriteHeader(output, (ulong)data.Length);
        using var encoder = new RangeEncoder(data, outboard, ChunkRanges.All);
        encoder.WriteTo(output);
        return outboard.Root;
    }

    /// <summary>
    /// Writes the combined encoding of an open file to <paramref name="output"/> and returns the root hash, in two
    /// passes over the file (the outboard, then the encoding), so the data is never held in memory: only the pairs.
    /// </summary>
    /// <exception cref="BaoVerificationException">The file changed between the two passes (named chunk).</exception>
    public static Hash Encode(SafeFileHandle data, Stream output, BlockSize blockSize = default, string? path = null)
    {
        var outboard = PreOrderOutboard.CreateFromFile(data, blockSize, path);
        WriteHeader(output, outboard.Tree.Size);
        using var encoder = new RangeEncoder(data, outboard, ChunkRanges.All, path) { Where = path ?? "data file" };
        encoder.WriteTo(output);
        return outboard.Root;
    }

    /// <summary>Writes the bao outboard of an open file (8-byte size, then the pre-order pairs) to <paramref name="output"/>; returns the root hash.</summary>
    public static Hash WriteOutboard(SafeFileHandle data, Stream output, BlockSize blockSize = default, string? path = null)
    {
        var outboard = PreOrderOutboard.CreateFromFile(data, blockSize, path);
        WriteHeader(output, outboard.Tree.Size);
        output.Write(outboard.Data!);
        return outboard.Root;
    }

    /// <summary>The combined encoding of <paramref name="data"/>.</summary>
    public static byte[] Encode(ReadOnlyMemory<byte> data, out Hash hash, BlockSize blockSize = default)
    {
        var output = new MemoryStream();
        hash = Encode(data, output, blockSize);
        return output.ToArray();
    }

    /// <summary>The bao outboard of <paramref name="data"/>: 8-byte size, then the pre-order pairs.</summary>
    public static byte[] Outboard(ReadOnlyMemory<byte> data, out Hash hash, BlockSize blockSize = default)
    {
        var outboard = PreOrderOutboard.Create(data, blockSize);
        hash = outboard.Root;
        var result = new byte[HeaderSize + outboard.Data!.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(result, (ulong)data.Length);
        outboard.Data.CopyTo(result, HeaderSize);
        return result;
    }

    /// <summary>Verifies a combined encoding against <paramref name="hash"/>, writing verified data to <paramref name="output"/> as it goes.</summary>
    /// <exception cref="BaoVerificationException">The encoding is truncated or does not match; nothing unverified was written.</exception>
    public static async Task DecodeAsync(Stream encoded, Hash hash, Stream output, BlockSize blockSize = default, string? where = null, CancellationToken cancellationToken = default)
    {
        var size = await ReadHeaderAsync(encoded, where, cancellationToken).ConfigureAwait(false);
        using var decoder = new ResponseDecoder(hash, new BaoTree(size, blockSize), ChunkRanges.All, encoded, where);
        await decoder.DecodeIntoAsync(new ForwardOnly(output), null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Verifies and decodes a combined encoding held in memory.</summary>
    /// <exception cref="BaoVerificationException">The encoding is truncated or does not match.</exception>
    public static byte[] Decode(byte[] encoded, Hash hash, BlockSize blockSize = default)
    {
        var output = new MemoryStream();
        DecodeAsync(new MemoryStream(encoded, false), hash, output, blockSize).GetAwaiter().GetResult();
        return output.ToArray();
    }

    /// <summary>Verifies <paramref name="input"/> against a bao outboard (read front to back), writing verified data to <paramref name="output"/>.</summary>
    /// <exception cref="BaoVerificationException">The input or outboard is truncated or does not match.</exception>
    public static async Task DecodeOutboardAsync(Stream input, Stream outboard, Hash hash, Stream output, BlockSize blockSize = default, string? where = null, CancellationToken cancellationToken = default)
    {
        var size = await ReadHeaderAsync(outboard, where, cancellationToken).ConfigureAwait(false);
        using var decoder = new ResponseDecoder(hash, new BaoTree(size, blockSize), ChunkRanges.All, new SplitEncodedSource(outboard, input, where), where);
        await decoder.DecodeIntoAsync(new ForwardOnly(output), null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The chunks a bao slice of <paramref name="length"/> bytes at <paramref name="start"/> holds (bao's SliceExtractor rules).</summary>
    public static ChunkRanges SliceRanges(ulong size, ulong start, ulong length)
    {
        // bao: a zero-length slice still proves one byte; a start at or past the end proves the last byte.
        if (start >= size)
            start = size == 0 ? 0 : size - 1;
        var end = start + Math.Max(1, Math.Min(length, ulong.MaxValue - start));
        return ChunkRanges.Bytes(start, end);
    }

    /// <summary>Extracts a slice from a combined encoding in a seekable stream.</summary>
    /// <exception cref="BaoVerificationException">The encoding is inconsistent at the named node or chunk.</exception>
    public static void Slice(Stream encoded, ulong start, ulong length, Stream output, BlockSize blockSize = default)
    {
        var view = new CombinedEncodingView(encoded, blockSize, null);
        WriteSlice(view, view, start, length, output);
    }

    /// <summary>Extracts a slice from the original input and its bao outboard, both seekable.</summary>
    /// <exception cref="BaoVerificationException">The input or outboard is inconsistent at the named node or chunk.</exception>
    public static void Slice(Stream input, Stream outboard, ulong start, ulong length, Stream output, BlockSize blockSize = default)
    {
        var size = ReadHeader(outboard);
        var tree = new BaoTree(size, blockSize);
        var data = new StreamDataSource(input, size);
        var pairs = PreOrderOutboard.FromStream(tree, default, outboard, HeaderSize, "outboard");
        var claimed = PreOrderOutboard.FromStream(tree, CombinedEncodingView.ClaimedRoot(data, pairs), outboard, HeaderSize, "outboard");
        WriteSlice(data, claimed, start, length, output);
    }

    /// <summary>Verifies a slice against <paramref name="hash"/> and writes the requested bytes (capped at the end of the blob).</summary>
    /// <exception cref="BaoVerificationException">The slice is truncated or does not match.</exception>
    public static async Task DecodeSliceAsync(Stream slice, Hash hash, ulong start, ulong length, Stream output, BlockSize blockSize = default, string? where = null, CancellationToken cancellationToken = default)
    {
        var size = await ReadHeaderAsync(slice, where, cancellationToken).ConfigureAwait(false);
        var tree = new BaoTree(size, blockSize);
        var end = length > ulong.MaxValue - start ? ulong.MaxValue : start + length;
        using var decoder = new ResponseDecoder(hash, tree, SliceRanges(size, start, length), slice, where);
        // Buffer until everything verified: a slice is small, and no byte may leave unverified.
        var verified = new List<(ulong Offset, byte[] Bytes)>();
        while (await decoder.NextAsync(cancellationToken).ConfigureAwait(false) is { } item)
        {
            if (item.IsParent)
                continue;
            var from = Math.Max(item.Offset, start);
            var to = Math.Min(item.Offset + (ulong)item.Bytes.Length, end);
            if (to > from)
                verified.Add((from, item.Bytes.Span.Slice((int)(from - item.Offset), (int)(to - from)).ToArray()));
        }
        foreach (var (_, bytes) in verified)
            await output.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Verifies and decodes a slice held in memory.</summary>
    public static byte[] DecodeSlice(byte[] slice, Hash hash, ulong start, ulong length, BlockSize blockSize = default)
    {
        var output = new MemoryStream();
        DecodeSliceAsync(new MemoryStream(slice, false), hash, start, length, output, blockSize).GetAwaiter().GetResult();
        return output.ToArray();
    }

    internal static void WriteHeader(Stream output, ulong size)
    {
        Span<byte> header = stackalloc byte[HeaderSize];
        BinaryPrimitives.WriteUInt64LittleEndian(header, size);
        output.Write(header);
    }

    internal static ulong ReadHeader(Stream input)
    {
        Span<byte> header = stackalloc byte[HeaderSize];
        input.Position = 0;
        input.ReadExactly(header);
        return BinaryPrimitives.ReadUInt64LittleEndian(header);
    }

    private static async Task<ulong> ReadHeaderAsync(Stream input, string? where, CancellationToken cancellationToken)
    {
        var header = new byte[HeaderSize];
        var done = 0;
        while (done < HeaderSize)
        {
            var n = await input.ReadAsync(header.AsMemory(done), cancellationToken).ConfigureAwait(false);
            if (n == 0)
                throw new BaoVerificationException(BaoFailure.Missing, $"{(where is null ? "" : where + ": ")}size header at offset 0: only {done} of {HeaderSize} bytes (stream ended)");
            done += n;
        }
        return BinaryPrimitives.ReadUInt64LittleEndian(header);
    }

    private static void WriteSlice(DataSource data, IOutboard outboard, ulong start, ulong length, Stream output)
    {
        WriteHeader(output, outboard.Tree.Size);
        using var encoder = new RangeEncoder(data, outboard, SliceRanges(outboard.Tree.Size, start, length)) { Where = "source encoding" };
        encoder.WriteTo(output);
    }

    // Hides Position/Seek from the decoder so a seekable output still receives bytes strictly in order.
    private sealed class ForwardOnly(Stream inner) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
        public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => inner.WriteAsync(buffer, cancellationToken);
    }
}
