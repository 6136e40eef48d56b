namespace IrohActors.Blake3.Internal;

/// <summary>
/// Hashes many equal-length inputs laid out contiguously (chunks at a 1024-byte stride, or parent blocks at
/// a 64-byte stride) to their chaining values, using the widest kernel allowed and narrower ones for the rest.
/// </summary>
internal static unsafe class HashMany
{
    /// <summary>
    /// Input j is <paramref name="blocks"/> blocks at <c>input + j * blocks * 64</c>; its counter is
    /// <paramref name="counter"/> (+ j when <paramref name="incrementCounter"/>); CV j goes to <c>output + 32 j</c>.
    /// </summary>
    public static void Run(Implementation implementation, byte* input, int count, int blocks, uint* key, ulong counter,
        bool incrementCounter, uint flags, uint flagsStart, uint flagsEnd, byte* output)
    {
        nint stride = (nint)blocks * Blake3Constants.BlockLen;
        if (implementation >= Implementation.Lanes16)
        {
            while (count >= 16)
            {
                Lanes16.Hash(input, stride, blocks, key, counter, incrementCounter, flags, flagsStart, flagsEnd, output);
                Advance(16, ref input, stride, ref count, ref counter, incrementCounter, ref output);
            }
        }
        if (implementation >= Implementation.Lanes8)
        {
            while (count >= 8)
            {
                Lanes8.Hash(input, stride, blocks, key, counter, incrementCounter, flags, flagsStart, flagsEnd, output);
                Advance(8, ref input, stride, ref count, ref counter, incrementCounter, ref output);
            }
        }
        if (implementation >= Implementation.Lanes4)
        {
            while (count >= 4)
            {
                Lanes4.Hash(input, stride, blocks, key, counter, incrementCounter, flags, flagsStart, flagsEnd, output);
                Advance(4, ref input, stride, ref count, ref counter, incrementCounter, ref output);
            }
        }
        while (count > 0)
        {
            Portable.HashOne(input, blocks, key, counter, flags, flagsStart, flagsEnd, output);
            Advance(1, ref input, stride, ref count, ref counter, incrementCounter, ref output);
        }
    }

    /// <summary>
    /// <see cref="Run"/> over whole chunks or blocks that also copies the input to <paramref name="copy"/> (same
    /// layout, no overlap): each kernel stores the message blocks it loads, so the bytes are moved in the same pass.
    /// </summary>
    public static void RunCopy(Implementation implementation, byte* input, byte* copy, int count, int blocks, uint* key, ulong counter,
        bool incrementCounter, uint flags, uint flagsStart, uint flagsEnd, byte* output)
    {
        nint stride = (nint)blocks * Blake3Constants.BlockLen;
        if (implementation >= Implementation.Lanes16)
        {
            while (count >= 16)
            {
                Lanes16.HashCopy(input, copy, stride, blocks, key, counter, incrementCounter, flags, flagsStart, flagsEnd, output);
                copy += 16 * stride;
                Advance(16, ref input, stride, ref count, ref counter, incrementCounter, ref output);
            }
        }
        if (implementation >= Implementation.Lanes8)
        {
            while (count >= 8)
            {
                Lanes8.HashCopy(input, copy, stride, blocks, key, counter, incrementCounter, flags, flagsStart, flagsEnd, output);
                copy += 8 * stride;
                Advance(8, ref input, stride, ref count, ref counter, incrementCounter, ref output);
            }
        }
        if (implementation >= Implementation.Lanes4)
        {
            while (count >= 4)
            {
                Lanes4.HashCopy(input, copy, stride, blocks, key, counter, incrementCounter, flags, flagsStart, flagsEnd, output);
                copy += 4 * stride;
                Advance(4, ref input, stride, ref count, ref counter, incrementCounter, ref output);
            }
        }
        while (count > 0)
        {
            Portable.HashOneCopy(input, copy, blocks, key, counter, flags, flagsStart, flagsEnd, output);
            copy += stride;
            Advance(1, ref input, stride, ref count, ref counter, incrementCounter, ref output);
        }
    }

    private static void Advance(int n, ref byte* input, nint stride, ref int count, ref ulong counter, bool incrementCounter, ref byte* output)
    {
        input += n * stride;
        count -= n;
        if (incrementCounter)
            counter += (ulong)n;
        output += n * Blake3Constants.OutLen;
    }
}
