using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace IrohActors.Blake3.Reference;

/// <summary>
/// BLAKE3 written as plainly as the spec's reference implementation (<c>reference_impl.rs</c>): one
/// compression at a time, the message permuted after every round, a CV stack merged by the chunk count's
/// trailing zeros. Slow and obviously right; tests hold every fast path to it (STYLE.md §2).
/// </summary>
internal sealed class ReferenceHasher
{
    private const int BlockLen = 64;
    private const int ChunkLen = 1024;
    private const uint ChunkStart = 1, ChunkEnd = 2, Parent = 4, Root = 8, KeyedHash = 16, DeriveKeyContext = 32, DeriveKeyMaterial = 64;
    private static readonly uint[] IV = [0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A, 0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19];
    private static readonly int[] MsgPermutation = [2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8];

    private readonly uint[] _key;
    private readonly uint _flags;
    private readonly List<uint[]> _cvStack = [];
    private ChunkState _chunk;

    private ReferenceHasher(uint[] key, uint flags)
    {
        _key = key;
        _flags = flags;
        _chunk = new ChunkState(key, 0, flags);
    }

    public static ReferenceHasher New() => new(IV, 0);

    public static ReferenceHasher NewKeyed(ReadOnlySpan<byte> key) => new(Words(key), KeyedHash);

    public static ReferenceHasher NewDeriveKey(string context)
    {
        var contextHasher = new ReferenceHasher(IV, DeriveKeyContext);
        contextHasher.Update(Encoding.UTF8.GetBytes(context));
        var contextKey = new byte[32];
        contextHasher.Finalize(contextKey);
        return new ReferenceHasher(Words(contextKey), DeriveKeyMaterial);
    }

    public void Update(ReadOnlySpan<byte> input)
    {
        while (!input.IsEmpty)
        {
            if (_chunk.Len == ChunkLen)
            {
                var chunkCv = _chunk.Output().ChainingValue();
                ulong totalChunks = _chunk.ChunkCounter + 1;
                AddChunkChainingValue(chunkCv, totalChunks);
                _chunk = new ChunkState(_key, totalChunks, _flags);
            }
            int take = Math.Min(ChunkLen - _chunk.Len, input.Length);
            _chunk.Update(input[..take]);
            input = input[take..];
        }
    }

    public void Finalize(Span<byte> output)
    {
        var node = _chunk.Output();
        for (int i = _cvStack.Count - 1; i >= 0; i--)
            node = ParentOutput(_cvStack[i], node.ChainingValue(), _key, _flags);
        node.RootOutputBytes(output);
    }

    private void AddChunkChainingValue(uint[] cv, ulong totalChunks)
    {
        // Each trailing zero bit of the chunk count completes one subtree: merge it with its left sibling.
        while ((totalChunks & 1) == 0)
        {
            cv = ParentCv(_cvStack[^1], cv, _key, _flags);
            _cvStack.RemoveAt(_cvStack.Count - 1);
            totalChunks >>= 1;
        }
        _cvStack.Add(cv);
    }

    private static uint[] Words(ReadOnlySpan<byte> bytes)
    {
        var words = new uint[bytes.Length / 4];
        for (int i = 0; i < words.Length; i++)
            words[i] = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(4 * i)..]);
        return words;
    }

    private static void G(uint[] s, int a, int b, int c, int d, uint mx, uint my)
    {
        s[a] = s[a] + s[b] + mx;
        s[d] = BitOperations.RotateRight(s[d] ^ s[a], 16);
        s[c] = s[c] + s[d];
        s[b] = BitOperations.RotateRight(s[b] ^ s[c], 12);
        s[a] = s[a] + s[b] + my;
        s[d] = BitOperations.RotateRight(s[d] ^ s[a], 8);
        s[c] = s[c] + s[d];
        s[b] = BitOperations.RotateRight(s[b] ^ s[c], 7);
    }

    private static void Round(uint[] s, uint[] m)
    {
        G(s, 0, 4, 8, 12, m[0], m[1]);
        G(s, 1, 5, 9, 13, m[2], m[3]);
        G(s, 2, 6, 10, 14, m[4], m[5]);
        G(s, 3, 7, 11, 15, m[6], m[7]);
        G(s, 0, 5, 10, 15, m[8], m[9]);
        G(s, 1, 6, 11, 12, m[10], m[11]);
        G(s, 2, 7, 8, 13, m[12], m[13]);
        G(s, 3, 4, 9, 14, m[14], m[15]);
    }

    private static uint[] Compress(uint[] cv, uint[] blockWords, ulong counter, uint blockLen, uint flags)
    {
        uint[] s = [cv[0], cv[1], cv[2], cv[3], cv[4], cv[5], cv[6], cv[7], IV[0], IV[1], IV[2], IV[3],
            (uint)counter, (uint)(counter >> 32), blockLen, flags];
        var m = (uint[])blockWords.Clone();
        for (int r = 0; r < 7; r++)
        {
            Round(s, m);
            m = MsgPermutation.Select(i => m[i]).ToArray();
        }
        for (int i = 0; i < 8; i++)
        {
            s[i] ^= s[i + 8];
            s[i + 8] ^= cv[i];
        }
        return s;
    }

    private static Output ParentOutput(uint[] left, uint[] right, uint[] key, uint flags) =>
        new(key, [.. left, .. right], 0, BlockLen, Parent | flags);

    private static uint[] ParentCv(uint[] left, uint[] right, uint[] key, uint flags) => ParentOutput(left, right, key, flags).ChainingValue();

    private sealed record Output(uint[] InputCv, uint[] BlockWords, ulong Counter, uint BlockLen, uint Flags)
    {
        public uint[] ChainingValue() => Compress(InputCv, BlockWords, Counter, BlockLen, Flags)[..8];

        public void RootOutputBytes(Span<byte> output)
        {
            ulong blockCounter = 0;
            Span<byte> word = stackalloc byte[4];
            while (!output.IsEmpty)
            {
                var words = Compress(InputCv, BlockWords, blockCounter, BlockLen, Flags | Root);
                for (int i = 0; i < 16 && !output.IsEmpty; i++)
                {
                    BinaryPrimitives.WriteUInt32LittleEndian(word, words[i]);
                    int take = Math.Min(4, output.Length);
                    word[..take].CopyTo(output);
                    output = output[take..];
                }
                blockCounter++;
            }
        }
    }

    private sealed class ChunkState(uint[] key, ulong chunkCounter, uint flags)
    {
        private readonly byte[] _block = new byte[BlockLen];
        private uint[] _cv = key;
        private int _blockLen;
        private int _blocksCompressed;

        public ulong ChunkCounter => chunkCounter;

        public int Len => BlockLen * _blocksCompressed + _blockLen;

        private uint StartFlag => _blocksCompressed == 0 ? ChunkStart : 0;

        public void Update(ReadOnlySpan<byte> input)
        {
            while (!input.IsEmpty)
            {
                if (_blockLen == BlockLen)
                {
                    _cv = Compress(_cv, Words(_block), chunkCounter, BlockLen, flags | StartFlag)[..8];
                    _blocksCompressed++;
                    Array.Clear(_block);
                    _blockLen = 0;
                }
                int take = Math.Min(BlockLen - _blockLen, input.Length);
                input[..take].CopyTo(_block.AsSpan(_blockLen));
                _blockLen += take;
                input = input[take..];
            }
        }

        public Output Output() => new(_cv, Words(_block), chunkCounter, (uint)_blockLen, flags | StartFlag | ChunkEnd);
    }
}
