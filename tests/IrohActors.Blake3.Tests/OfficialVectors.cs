using System.Text;
using System.Text.Json;
using IrohActors.TestSupport;

namespace IrohActors.Blake3.Tests;

/// <summary>The 35 cases of BLAKE3-team's test_vectors.json (../shared/vectors), loaded once.</summary>
public static class OfficialVectors
{
    private static readonly Lazy<Data> Loaded = new(Load);

    /// <summary>The parsed file.</summary>
    public static Data All => Loaded.Value;

    /// <summary>One case: an input length and 131 bytes of output in each mode.</summary>
    public sealed record Case(int InputLen, byte[] Hash, byte[] KeyedHash, byte[] DeriveKey);

    /// <summary>The key, the context string and the cases.</summary>
    public sealed record Data(byte[] Key, string Context, IReadOnlyList<Case> Cases);

    /// <summary>The vector input: byte i is i mod 251.</summary>
    public static byte[] Input(int length)
    {
        var input = new byte[length];
        for (int i = 0; i < length; i++)
            input[i] = (byte)(i % 251);
        return input;
    }

    /// <summary>Input lengths, for theory data.</summary>
    public static TheoryData<int> Lengths()
    {
        var data = new TheoryData<int>();
        foreach (var c in All.Cases)
            data.Add(c.InputLen);
        return data;
    }

    /// <summary>The case with this input length.</summary>
    public static Case For(int inputLen) => All.Cases.Single(c => c.InputLen == inputLen);

    private static Data Load()
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(RepoPaths.SharedFile("vectors", "blake3_test_vectors.json")));
        var root = doc.RootElement;
        var cases = root.GetProperty("cases").EnumerateArray().Select(c => new Case(
            c.GetProperty("input_len").GetInt32(),
            Convert.FromHexString(c.GetProperty("hash").GetString()!),
            Convert.FromHexString(c.GetProperty("keyed_hash").GetString()!),
            Convert.FromHexString(c.GetProperty("derive_key").GetString()!))).ToList();
        return new Data(Encoding.ASCII.GetBytes(root.GetProperty("key").GetString()!), root.GetProperty("context_string").GetString()!, cases);
    }
}
