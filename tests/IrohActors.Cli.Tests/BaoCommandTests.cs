using System.Diagnostics;
using System.Text.Json;
using IrohActors.Blake3;
using IrohActors.TestSupport;

namespace IrohActors.Cli.Tests;

public sealed class BaoCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bao-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void Encode_of_the_vector_input_is_byte_identical_to_bao()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(RepoPaths.SharedFile("vectors", "bao_test_vectors.json")));
        foreach (var c in doc.RootElement.GetProperty("encode").EnumerateArray())
        {
            var n = c.GetProperty("input_len").GetInt32();
            var input = Write("in", BaoInput(n));
            var (code, _, err) = Run("bao", "encode", input, Path("enc"));
            Assert.True(code == 0, err);
            Assert.Equal(c.GetProperty("encoded_blake3").GetString(), Hasher.Hash(File.ReadAllBytes(Path("enc"))).ToHex());
            (code, _, err) = Run("bao", "encode", input, "--outboard", Path("obao"));
            Assert.True(code == 0, err);
        }
    }

    [Fact]
    public void Hash_prints_like_bao_and_agrees_with_b3sum()
    {
        var a = Write("a", Random(5000, 1));
        var b = Write("b", Random(70_000, 2));
        var (code, single, _) = Run("bao", "hash", a);
        Assert.Equal(0, code);
        Assert.Equal(B3sum(a), single.Trim());
        (code, var both, _) = Run("bao", "hash", a, b);
        Assert.Equal(0, code);
        Assert.Equal([$"{B3sum(a)}  {a}", $"{B3sum(b)}  {b}"], both.Trim().Split('\n'));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    public void Encode_decode_and_slice_round_trip(int chunkLog)
    {
        var data = Random(200_000, 3);
        var input = Write("data", data);
        var hash = Hasher.Hash(data).ToHex();
        var k = chunkLog.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(0, Run("bao", "encode", input, Path("enc"), "--chunk-log", k).Code);
        Assert.Equal(0, Run("bao", "decode", hash, Path("enc"), Path("out"), "--chunk-log", k).Code);
        Assert.Equal(data, File.ReadAllBytes(Path("out")));
        Assert.Equal(0, Run("bao", "encode", input, "--outboard", Path("ob"), "--chunk-log", k).Code);
        Assert.Equal(0, Run("bao", "decode", hash, input, Path("out2"), "--outboard", Path("ob"), "--chunk-log", k).Code);
        Assert.Equal(data, File.ReadAllBytes(Path("out2")));
        foreach (var (start, count) in new[] { (0, 1), (5000, 20_000), (199_990, 100), (300_000, 5) })
        {
            var s = start.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var c = count.ToString(System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(0, Run("bao", "slice", s, c, Path("enc"), Path("slice"), "--chunk-log", k).Code);
            Assert.Equal(0, Run("bao", "slice", s, c, input, Path("slice2"), "--outboard", Path("ob"), "--chunk-log", k).Code);
            Assert.Equal(File.ReadAllBytes(Path("slice")), File.ReadAllBytes(Path("slice2")));
            Assert.Equal(0, Run("bao", "decode-slice", hash, s, c, Path("slice"), Path("part"), "--chunk-log", k).Code);
            var from = Math.Min(start, data.Length);
            Assert.Equal(data[from..Math.Min(data.Length, from + count)], File.ReadAllBytes(Path("part")));
        }
    }

    [Fact]
    public void Decode_accepts_the_hash_as_a_CID_and_rejects_a_malformed_one()
    {
        var data = Random(40_000, 7);
        var input = Write("cid-data", data);
        Assert.Equal(0, Run("bao", "encode", input, Path("cid-enc")).Code);
        var cid = IrohActors.Collections.Cid.ForBlob(Hasher.Hash(data)).ToString();
        var (code, _, err) = Run("bao", "decode", cid, Path("cid-enc"), Path("cid-out"));
        Assert.True(code == 0, err);
        Assert.Equal(data, File.ReadAllBytes(Path("cid-out")));

        var truncated = cid[..^3];
        (code, _, err) = Run("bao", "decode", truncated, Path("cid-enc"), Path("cid-bad"));
        Assert.Equal(2, code);
        Assert.Contains("HASH", err);
        Assert.False(File.Exists(Path("cid-bad")));
    }

    [Fact]
    public void Corrupted_input_exits_non_zero_naming_the_chunk_and_writes_nothing()
    {
        var data = Random(50_000, 4);
        var hash = Hasher.Hash(data).ToHex();
        Assert.Equal(0, Run("bao", "encode", Write("data", data), Path("enc")).Code);
        var enc = File.ReadAllBytes(Path("enc"));
        enc[^10] ^= 1;
        File.WriteAllBytes(Path("enc"), enc);
        var (code, _, err) = Run("bao", "decode", hash, Path("enc"), Path("out"));
        Assert.Equal(1, code);
        Assert.Contains("chunk 48", err);
        Assert.False(File.Exists(Path("out")));
        Assert.Empty(Directory.GetFiles(_dir, "out*"));
        (code, _, err) = Run("bao", "slice", "49900", "10", Write("enc2", enc[..^10]), Path("s"));
        Assert.Equal(1, code);
        Assert.Contains("data missing", err);
        Assert.False(File.Exists(Path("s")));
        (code, _, err) = Run("bao", "decode", "not-a-hash", Path("enc"), Path("out"));
        Assert.Equal(2, code);
        Assert.Contains("64 hex", err);
    }

    [Fact]
    public void Native_outboards_are_written_in_both_orders()
    {
        var data = Random(100_000, 5);
        var input = Write("data", data);
        Assert.Equal(0, Run("bao", "outboard", input, Path("pre")).Code);
        Assert.Equal(0, Run("bao", "outboard", "--post-order", input, Path("post")).Code);
        // 7 groups of 16 KiB → 6 pairs; post-order adds the 8-byte size.
        Assert.Equal(6 * 64, new FileInfo(Path("pre")).Length);
        Assert.Equal(6 * 64 + 8, new FileInfo(Path("post")).Length);
        Assert.Equal(100_000UL, BitConverter.ToUInt64(File.ReadAllBytes(Path("post")).AsSpan(6 * 64)));
    }

    [Fact]
    public void Stdin_inputs_give_the_same_bytes_as_file_inputs()
    {
        // stdin goes through a temporary file (the pre-order encoding needs the size up front): a real child
        // process, since stdin cannot be redirected in-process.
        var data = Random(300_001, 9);
        var input = Write("data", data);
        Assert.Equal(0, Run("bao", "encode", input, Path("enc")).Code);
        Assert.Equal(0, Run("bao", "encode", input, "--outboard", Path("obao")).Code);
        Assert.Equal(0, Run("bao", "slice", "123456", "5000", Path("enc"), Path("slice")).Code);
        Assert.Equal(0, Run("bao", "outboard", input, Path("native")).Code);
        Assert.Equal(File.ReadAllBytes(Path("enc")), RunWithStdin(input, "bao", "encode"));
        RunWithStdin(input, "bao", "encode", "--outboard", Path("obao-stdin"));
        Assert.Equal(File.ReadAllBytes(Path("obao")), File.ReadAllBytes(Path("obao-stdin")));
        Assert.Equal(File.ReadAllBytes(Path("slice")), RunWithStdin(Path("enc"), "bao", "slice", "123456", "5000"));
        Assert.Equal(File.ReadAllBytes(Path("native")), RunWithStdin(input, "bao", "outboard", "-", "-"));
    }

    // Runs the CLI in a child process with stdin from a file; returns its stdout (exit code 0 asserted).
    private static byte[] RunWithStdin(string stdinFile, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(typeof(Program).Assembly.Location);
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = new MemoryStream();
        var copyOut = p.StandardOutput.BaseStream.CopyToAsync(stdout);
        var stderr = p.StandardError.ReadToEndAsync();
        using (var file = File.OpenRead(stdinFile))
            file.CopyTo(p.StandardInput.BaseStream);
        p.StandardInput.Close();
        copyOut.Wait(TimeSpan.FromMinutes(2));
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(2)), "the CLI did not exit");
        Assert.True(p.ExitCode == 0, $"exit {p.ExitCode}: {stderr.Result}");
        return stdout.ToArray();
    }

    private (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = Program.BuildRoot().Parse(args).Invoke(new System.CommandLine.InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }

    private string Path(string name) => System.IO.Path.Combine(_dir, name);

    private string Write(string name, byte[] bytes)
    {
        File.WriteAllBytes(Path(name), bytes);
        return Path(name);
    }

    private static string B3sum(string file)
    {
        var psi = new ProcessStartInfo("b3sum", ["--no-names", file]) { RedirectStandardOutput = true };
        using var p = Process.Start(psi)!;
        var text = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        return text;
    }

    private static byte[] Random(int n, int seed)
    {
        var b = new byte[n];
        new Random(seed).NextBytes(b);
        return b;
    }

    private static byte[] BaoInput(int length)
    {
        var buf = new byte[length];
        for (var i = 0; i < length; i++)
            buf[i] = (byte)(((i / 4) + 1) >> (8 * (i % 4)));
        return buf;
    }
}
