using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Text;
using IrohActors.Blake3.Internal;

namespace IrohActors.Blake3;

/// <summary>Incremental BLAKE3 (hash, keyed hash, derive key) with extendable output; reusable via <see cref="Reset"/>.</summary>
public sealed class Hasher
{
    /// <summary>Size of the buffer stream input is read in: large reads let whole subtrees go through the lanes.</summary>
    internal const int StreamBufferSize = 1024 * 1024;

    private readonly CvWords _key;
    private readonly uint _flags;
    private readonly ulong _initialChunkCounter;
    private readonly Implementation _implementation;
    private ChunkState _chunk;
    private CvStack _cvStack;
    private int _cvStackLen;

    internal Hasher(in CvWords key, uint flags, Implementation implementation, ulong initialChunkCounter = 0)
    {
        _key = key;
        _flags = flags;
        _implementation = implementation;
        _initialChunkCounter = initialChunkCounter;
        _chunk = new ChunkState(key, initialChunkCounter, flags);
    }

    /// <summary>Name of the compression kernel in use here (e.g. "Lanes8" = 8-way Vector256), for benchmark reports.</summary>
    public static string KernelName => Implementations.Best.ToString();

    /// <summary>The plain BLAKE3 hash of <paramref name="input"/> (single-threaded).</summary>
    public static Hash Hash(ReadOnlySpan<byte> input) => Hash(Implementations.Best, input, 1);

    /// <summary>The plain hash using up to <paramref name="threads"/> threads (0 = all cores, 1 = this thread only).</summary>
    public static Hash Hash(ReadOnlySpan<byte> input, int threads) => Hash(Implementations.Best, input, ResolveThreads(threads));

    internal static Hash Hash(Implementation implementation, ReadOnlySpan<byte> input, int threads) =>
        RootHash(implementation, input, Blake3Constants.IV, 0, threads);

    /// <summary>The keyed hash (a MAC) of <paramref name="input"/> under a 32-byte key.</summary>
    /// <exception cref="ArgumentException">The key is not 32 bytes.</exception>
    public static Hash KeyedHash(ReadOnlySpan<byte> key32, ReadOnlySpan<byte> input) =>
        RootHash(Implementations.Best, input, KeyWords(key32), Blake3Constants.KeyedHash, 1);

    /// <summary>Derives <paramref name="output"/>.Length bytes of key from <paramref name="keyMaterial"/> in the domain <paramref name="context"/>.</summary>
    public static unsafe void DeriveKey(string context, ReadOnlySpan<byte> keyMaterial, Span<byte> output)
    {
        var contextKey = ContextKey(context);
        fixed (byte* p = keyMaterial)
            TreeCompressor.RootOutput(Implementations.Best, p, keyMaterial.Length, contextKey, Blake3Constants.DeriveKeyMaterial, 1)
                .RootBytes(0, output);
    }

    /// <summary>A hasher for the plain hash.</summary>
    public static Hasher New() => new(Blake3Constants.IV, 0, Implementations.Best);

    /// <summary>A hasher for the keyed hash under a 32-byte key.</summary>
    /// <exception cref="ArgumentException">The key is not 32 bytes.</exception>
    public static Hasher NewKeyed(ReadOnlySpan<byte> key32) => new(KeyWords(key32), Blake3Constants.KeyedHash, Implementations.Best);

    /// <summary>A hasher for key derivation: feed it the key material.</summary>
    public static Hasher NewDeriveKey(string context) => new(ContextKey(context), Blake3Constants.DeriveKeyMaterial, Implementations.Best);

    internal static Hasher New(Implementation implementation) => new(Blake3Constants.IV, 0, implementation);

    internal static Hasher NewKeyed(Implementation implementation, ReadOnlySpan<byte> key32) =>
        new(KeyWords(key32), Blake3Constants.KeyedHash, implementation);

    internal static Hasher NewDeriveKey(Implementation implementation, string context) =>
        new(ContextKey(context), Blake3Constants.DeriveKeyMaterial, implementation);

    /// <summary>Adds input on this thread.</summary>
    public Hasher Update(ReadOnlySpan<byte> input)
    {
        UpdateCore(input, 1);
        return this;
    }

    /// <summary>Adds input, hashing large subtrees on up to <paramref name="threads"/> threads (0 = all cores).</summary>
    public Hasher UpdateParallel(ReadOnlySpan<byte> input, int threads)
    {
        UpdateCore(input, ResolveThreads(threads));
        return this;
    }

    /// <summary>Reads the stream to its end and adds everything read.</summary>
    public Hasher Update(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(StreamBufferSize);
        try
        {
            int n;
            while ((n = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false)) > 0)
                UpdateCore(buffer.AsSpan(0, n), 1);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return this;
    }

    /// <summary>Reads the stream to its end asynchronously and adds everything read.</summary>
    public async Task<Hasher> UpdateAsync(Stream stream, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(StreamBufferSize);
        try
        {
            int n;
            while ((n = await stream.ReadAtLeastAsync(buffer.AsMemory(0, StreamBufferSize), StreamBufferSize, throwOnEndOfStream: false, ct)
                       .ConfigureAwait(false)) > 0)
                UpdateCore(buffer.AsSpan(0, n), 1);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return this;
    }

    /// <summary>The 32-byte hash of everything added so far (the hasher stays usable).</summary>
    public Hash Finalize()
    {
        Span<byte> bytes = stackalloc byte[Blake3.Hash.Size];
        FinalOutput().RootBytes(0, bytes);
        return Blake3.Hash.FromBytes(bytes);
    }

    /// <summary>Fills <paramref name="output"/> with extended output from offset 0 (its first 32 bytes are the hash).</summary>
    public void Finalize(Span<byte> output) => FinalOutput().RootBytes(0, output);

    /// <summary>Fills <paramref name="output"/> with extended output starting at byte <paramref name="outputOffset"/>.</summary>
    public void FinalizeXof(ulong outputOffset, Span<byte> output) => FinalOutput().RootBytes(outputOffset, output);

    /// <summary>Forgets all input; the mode and key stay.</summary>
    public void Reset()
    {
        _chunk = new ChunkState(_key, _initialChunkCounter, _flags);
        _cvStackLen = 0;
    }

    private static int ResolveThreads(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        return threads == 0 ? Environment.ProcessorCount : threads;
    }

    private static CvWords KeyWords(ReadOnlySpan<byte> key32)
    {
        if (key32.Length != Blake3Constants.KeyLen)
            throw new ArgumentException($"a BLAKE3 key is {Blake3Constants.KeyLen} bytes, got {key32.Length}", nameof(key32));
        return CvWords.FromBytes(key32);
    }

    private static unsafe CvWords ContextKey(string context)
    {
        ArgumentNullException.ThrowIfNull(context);
        byte[] utf8 = Encoding.UTF8.GetBytes(context);
        Span<byte> key = stackalloc byte[Blake3Constants.KeyLen];
        fixed (byte* p = utf8)
            TreeCompressor.RootOutput(Implementations.Best, p, utf8.Length, Blake3Constants.IV, Blake3Constants.DeriveKeyContext, 1)
                .RootBytes(0, key);
        return CvWords.FromBytes(key);
    }

    private static unsafe Hash RootHash(Implementation implementation, ReadOnlySpan<byte> input, CvWords key, uint flags, int threads)
    {
        Span<byte> bytes = stackalloc byte[Blake3.Hash.Size];
        fixed (byte* p = input)
            TreeCompressor.RootOutput(implementation, p, input.Length, key, flags, threads).RootBytes(0, bytes);
        return Blake3.Hash.FromBytes(bytes);
    }

    // Hasher::update in src/lib.rs: finish a buffered chunk, then hash the largest power-of-two subtrees that
    // keep the tree aligned, then buffer what is left (at most one chunk: it may be the root).
    private unsafe void UpdateCore(ReadOnlySpan<byte> input, int threads)
    {
        fixed (byte* start = input)
        fixed (CvWords* key = &_key)
        {
            byte* p = start;
            nint len = input.Length;
            if (_chunk.Length > 0)
            {
                int take = (int)Math.Min(Blake3Constants.ChunkLen - _chunk.Length, len);
                _chunk.Update(new ReadOnlySpan<byte>(p, take));
                p += take;
                len -= take;
                if (len == 0)
                    return;
                // More input follows, so this full chunk is not the root.
                byte* cv = stackalloc byte[Blake3Constants.OutLen];
                _chunk.Output().ChainingValue(cv);
                PushCv(cv, _chunk.ChunkCounter);
                _chunk = new ChunkState(_key, _chunk.ChunkCounter + 1, _flags);
            }

            byte* pair = stackalloc byte[Blake3Constants.BlockLen];
            while (len > Blake3Constants.ChunkLen)
            {
                nint subtreeLen = (nint)BitOperations.RoundUpToPowerOf2((ulong)len + 1) / 2;
                ulong countSoFar = _chunk.ChunkCounter * Blake3Constants.ChunkLen;
                while ((((ulong)subtreeLen - 1) & countSoFar) != 0)
                    subtreeLen /= 2;
                ulong subtreeChunks = (ulong)subtreeLen / Blake3Constants.ChunkLen;
                if (subtreeLen <= Blake3Constants.ChunkLen)
                {
                    var single = new ChunkState(_key, _chunk.ChunkCounter, _flags);
                    single.Update(new ReadOnlySpan<byte>(p, (int)subtreeLen));
                    single.Output().ChainingValue(pair);
                    PushCv(pair, _chunk.ChunkCounter);
                }
                else
                {
                    TreeCompressor.CompressSubtreeToParentNode(_implementation, p, subtreeLen, key, _chunk.ChunkCounter, _flags, threads, pair);
                    // Pushing both halves (the stack merges lazily) guarantees the root is never merged early.
                    PushCv(pair, _chunk.ChunkCounter);
                    PushCv(pair + Blake3Constants.OutLen, _chunk.ChunkCounter + subtreeChunks / 2);
                }
                _chunk.ChunkCounter += subtreeChunks;
                p += subtreeLen;
                len -= subtreeLen;
            }

            if (len > 0)
            {
                _chunk.Update(new ReadOnlySpan<byte>(p, (int)len));
                MergeCvStack(_chunk.ChunkCounter);
            }
        }
    }

    private unsafe void MergeCvStack(ulong chunkCounter)
    {
        int postMergeLen = BitOperations.PopCount(chunkCounter - _initialChunkCounter);
        fixed (CvStack* stack = &_cvStack)
        {
            byte* bytes = (byte*)stack;
            while (_cvStackLen > postMergeLen)
            {
                byte* left = bytes + (_cvStackLen - 2) * Blake3Constants.OutLen;
                Output.Parent(left, _key, _flags).ChainingValue(left);
                _cvStackLen--;
            }
        }
    }

    private unsafe void PushCv(byte* cv, ulong chunkCounter)
    {
        MergeCvStack(chunkCounter);
        fixed (CvStack* stack = &_cvStack)
            Buffer.MemoryCopy(cv, (byte*)stack + _cvStackLen * Blake3Constants.OutLen, Blake3Constants.OutLen, Blake3Constants.OutLen);
        _cvStackLen++;
    }

    private unsafe Output FinalOutput()
    {
        if (_cvStackLen == 0)
            return _chunk.Output();
        fixed (CvStack* stack = &_cvStack)
        {
            byte* bytes = (byte*)stack;
            int remaining = _cvStackLen;
            Output output;
            byte* block = stackalloc byte[Blake3Constants.BlockLen];
            if (_chunk.Length > 0)
            {
                output = _chunk.Output();
            }
            else
            {
                output = Output.Parent(bytes + (remaining - 2) * Blake3Constants.OutLen, _key, _flags);
                remaining -= 2;
            }
            while (remaining > 0)
            {
                Buffer.MemoryCopy(bytes + (remaining - 1) * Blake3Constants.OutLen, block, Blake3Constants.OutLen, Blake3Constants.OutLen);
                output.ChainingValue(block + Blake3Constants.OutLen);
                output = Output.Parent(block, _key, _flags);
                remaining--;
            }
            return output;
        }
    }

    /// <summary>Room for the CVs of the deepest possible tree (54 levels of 32 bytes).</summary>
    [InlineArray(Blake3Constants.MaxDepth * Blake3Constants.OutLen)]
    private struct CvStack
    {
        private byte _element0;
    }
}
