using System.Diagnostics;
using System.Text;

namespace IrohActors.Blake3.Tests;

/// <summary>Our library and our <c>hash</c> command against Debian's b3sum (installed by ./test.sh) on random inputs.</summary>
public sealed class B3sumDifferentialTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("blake3-test-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed record Run(int ExitCode, byte[] Stdout, string Stderr)
    {
        public string Text => Encoding.UTF8.GetString(Stdout);
    }

    private static string B3sum()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'))
        {
            var path = Path.Combine(dir, "b3sum");
            if (File.Exists(path))
                return path;
        }
        Assert.Fail("b3sum is not installed: ./test.sh installs it (apt-get install b3sum); these tests compare against it");
        return "";
    }

    private Run Exec(string exe, IEnumerable<string> args, byte[]? stdin = null)
    {
        var psi = new ProcessStartInfo(exe)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _dir,
        };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdoutTask = Task.Run(() =>
        {
            using var ms = new MemoryStream();
            p.StandardOutput.BaseStream.CopyTo(ms);
            return ms.ToArray();
        });
        var stderrTask = p.StandardError.ReadToEndAsync();
        if (stdin is not null)
            p.StandardInput.BaseStream.Write(stdin);
        p.StandardInput.Close();
        Assert.True(p.WaitForExit(120_000), $"{exe} {string.Join(' ', args)} did not finish in 120 s");
        return new Run(p.ExitCode, stdoutTask.Result, stderrTask.Result);
    }

    private Run Ours(IEnumerable<string> args, byte[]? stdin = null) =>
        Exec("dotnet", new[] { Path.Combine(AppContext.BaseDirectory, "iroh-actors.dll"), "hash" }.Concat(args), stdin);

    private Run Theirs(IEnumerable<string> args, byte[]? stdin = null) => Exec(B3sum(), args, stdin);

    private string WriteRandom(Random random, string name, int length)
    {
        var data = new byte[length];
        random.NextBytes(data);
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, data);
        return path;
    }

    [Fact]
    public async Task Library_agrees_with_b3sum_on_random_inputs_up_to_8_MiB()
    {
        var random = new Random(20261121);
        var sizes = new List<int> { 0, 1, 1024, 1025, 16 * 1024, 8 * 1024 * 1024 };
        for (int i = 0; i < 14; i++)
            sizes.Add(random.Next(2) == 0 ? random.Next(0, 70_000) : random.Next(0, 8 * 1024 * 1024 + 1));
        foreach (int size in sizes)
        {
            var path = WriteRandom(random, $"in-{size}.bin", size);
            var expected = Theirs(["--no-names", path]).Text.Trim();
            var data = await File.ReadAllBytesAsync(path);
            Assert.Equal(expected, Hasher.Hash(data).ToHex());
            Assert.Equal(expected, Hasher.Hash(data, 0).ToHex());
            await using var stream = File.OpenRead(path);
            Assert.Equal(expected, (await Hasher.New().UpdateAsync(stream)).Finalize().ToHex());
            var xof = new byte[77];
            Hasher.New().Update(data).FinalizeXof(1000, xof);
            var theirsLong = Theirs(["--no-names", "-l", "1077", path]).Text.Trim();
            Assert.Equal(theirsLong[2000..], Convert.ToHexStringLower(xof));
        }
    }

    [Fact]
    public void Hash_command_output_is_byte_identical_to_b3sum()
    {
        var random = new Random(77);
        var names = new List<string>();
        foreach (var (name, size) in new[] { ("a.bin", 0), ("b c.bin", 1025), ("big.bin", 3_000_000), ("we\\ird.bin", 5000), ("new\nline.bin", 17_000), ("uni-é.bin", 100) })
        {
            WriteRandom(random, name, size);
            names.Add(name);
        }
        for (int i = 0; i < 6; i++)
        {
            int size = random.Next(0, 8 * 1024 * 1024 + 1);
            WriteRandom(random, $"r{i}.bin", size);
            names.Add($"r{i}.bin");
        }
        List<string[]> variants =
        [
            [.. names],
            ["--no-names", .. names],
            ["-l", "100", .. names],
            ["--length", "0", "a.bin"],
            ["--derive-key", "IrohActors 2026 test context", .. names],
            ["--threads", "1", .. names],
        ];
        foreach (var args in variants)
        {
            var theirs = Theirs(args.Select(a => a == "--threads" ? "--num-threads" : a));
            var ours = Ours(args);
            Assert.Equal(theirs.ExitCode, ours.ExitCode);
            Assert.True(theirs.Stdout.AsSpan().SequenceEqual(ours.Stdout), $"hash {string.Join(' ', args)}:\nb3sum:\n{theirs.Text}\nours:\n{ours.Text}");
        }
        var raw = Ours(["--raw", "big.bin"]);
        Assert.Equal(Theirs(["--raw", "big.bin"]).Stdout, raw.Stdout);
    }

    [Fact]
    public void Stdin_and_keyed_mode_follow_b3sum()
    {
        var random = new Random(5);
        var input = new byte[200_000];
        random.NextBytes(input);
        Assert.Equal(Theirs([], input).Stdout, Ours([], input).Stdout);
        Assert.Equal(Theirs(["-"], input).Stdout, Ours(["-"], input).Stdout);

        WriteRandom(random, "k.bin", 70_000);
        var key = new byte[32];
        random.NextBytes(key);
        var theirs = Theirs(["--keyed", "k.bin"], key);
        var ours = Ours(["--keyed", "k.bin"], key);
        Assert.Equal(0, ours.ExitCode);
        Assert.Equal(theirs.Stdout, ours.Stdout);
        Assert.Contains(Hasher.KeyedHash(key, File.ReadAllBytes(Path.Combine(_dir, "k.bin"))).ToHex(), ours.Text);

        foreach (var badKey in new[] { key[..31], key.Concat(new byte[] { 1 }).ToArray() })
        {
            var t = Theirs(["--keyed", "k.bin"], badKey);
            var o = Ours(["--keyed", "k.bin"], badKey);
            Assert.NotEqual(0, t.ExitCode);
            Assert.NotEqual(0, o.ExitCode);
            Assert.Empty(o.Stdout);
            Assert.Contains("key bytes", o.Stderr);
        }
        Assert.NotEqual(0, Ours(["--keyed", "-"], key).ExitCode);
    }

    [Fact]
    public void Check_mode_reads_b3sum_output_and_reports_each_file()
    {
        var random = new Random(8);
        string[] names = ["x.bin", "y z.bin", "back\\slash.bin", "new\nline.bin", "m.bin"];
        foreach (var name in names)
            WriteRandom(random, name, random.Next(0, 100_000));
        File.WriteAllBytes(Path.Combine(_dir, "sums.txt"), Theirs(names).Stdout);

        var ok = Ours(["--check", "sums.txt"]);
        var theirsOk = Theirs(["--check", "sums.txt"]);
        Assert.Equal(0, ok.ExitCode);
        Assert.Equal(theirsOk.Text, ok.Text);
        Assert.Contains("\\back\\\\slash.bin: OK", ok.Text);

        WriteRandom(random, "y z.bin", 10); // changed content
        File.Delete(Path.Combine(_dir, "m.bin")); // missing file
        var failed = Ours(["-c", "sums.txt"]);
        Assert.Equal(1, failed.ExitCode);
        var lines = failed.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("x.bin: OK", lines);
        Assert.Contains("y z.bin: FAILED", lines);
        Assert.Contains(lines, l => l.StartsWith("m.bin: FAILED (", StringComparison.Ordinal));
        Assert.NotEqual(0, Theirs(["-c", "sums.txt"]).ExitCode);

        // Checkfile from stdin, and a malformed line reported with its line number.
        var fromStdin = Ours(["--check"], Encoding.UTF8.GetBytes("not a hash line\n" + File.ReadAllText(Path.Combine(_dir, "sums.txt")).Split('\n')[0] + "\n"));
        Assert.Equal(1, fromStdin.ExitCode);
        Assert.Contains("x.bin: OK", fromStdin.Text);
        Assert.Contains(":1:", fromStdin.Stderr);

        var quiet = Ours(["--check", "--quiet", "sums.txt"]);
        Assert.DoesNotContain(": OK", quiet.Text);

        var missingCheckfile = Ours(["--check", "no-such-sums.txt"]);
        Assert.Equal(1, missingCheckfile.ExitCode);
        Assert.Contains("no-such-sums.txt", missingCheckfile.Stderr);
        Assert.NotEqual(0, Theirs(["--check", "no-such-sums.txt"]).ExitCode);
    }
}
