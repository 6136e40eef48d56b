using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using IrohActors.Blake3;
using IrohActors.TestSupport;

namespace IrohActors.Collections.Tests;

/// <summary>
/// Holds our CIDs to JS <c>multiformats</c> with <c>@noble/hashes</c> BLAKE3, both ways: JS formats CIDs of our
/// random inputs and parses our strings; we parse CIDs JS made from its own random inputs.
/// </summary>
public class CidDifferentialTests
{
    private static readonly CidCodec[] Codecs = [CidCodec.Raw, CidCodec.Blake3HashSeq, CidCodec.Collection];

    [Fact]
    public async Task AgreesWithJsMultiformatsOnRandomInputs()
    {
        string folder = EnsureNpmPackages();
        File.Copy(Path.Combine(AppContext.BaseDirectory, "npm", "cid-check.mjs"), Path.Combine(folder, "cid-check.mjs"), overwrite: true);

        var rng = new Random(2024);
        var inputs = new List<(byte[] Data, CidCodec Codec, string Ours)>();
        for (int i = 0; i < 200; i++)
        {
            var data = new byte[rng.Next(i < 20 ? 3 : 5000)];
            rng.NextBytes(data);
            var codec = Codecs[i % Codecs.Length];
            inputs.Add((data, codec, new Cid(codec, Hasher.Hash(data)).ToString()));
        }
        var request = new JsonObject
        {
            ["items"] = new JsonArray(inputs.Select(x => (JsonNode)new JsonObject
            {
                ["data"] = Convert.ToHexStringLower(x.Data),
                ["code"] = (ulong)x.Codec,
                ["ours"] = x.Ours,
            }).ToArray()),
            ["extra"] = 100,
        };

        var response = JsonNode.Parse(await RunNodeAsync(folder, request.ToJsonString()))!;
        var items = response["items"]!.AsArray();
        Assert.Equal(inputs.Count, items.Count);
        for (int i = 0; i < inputs.Count; i++)
        {
            var (data, codec, ours) = inputs[i];
            Assert.Equal(items[i]!["cid"]!.GetValue<string>(), ours);
            Assert.Equal((ulong)codec, items[i]!["parsedCode"]!.GetValue<ulong>());
            Assert.Equal(0x1eUL, items[i]!["parsedHash"]!.GetValue<ulong>());
            Assert.Equal(Hasher.Hash(data).ToHex(), items[i]!["parsedDigest"]!.GetValue<string>());
        }

        var generated = response["generated"]!.AsArray();
        Assert.Equal(100, generated.Count);
        foreach (var g in generated)
        {
            var cid = Cid.Parse(g!["cid"]!.GetValue<string>());
            Assert.Equal(g["code"]!.GetValue<ulong>(), (ulong)cid.Codec);
            Assert.Equal(Hasher.Hash(Convert.FromHexString(g["data"]!.GetValue<string>())), cid.Hash);
            Assert.Equal(g["cid"]!.GetValue<string>(), cid.ToString());
        }
    }

    /// <summary>Installs the npm packages into .build/npm-cid unless already there (test.sh does the same).</summary>
    private static string EnsureNpmPackages()
    {
        string folder = Path.Combine(RepoPaths.Root, ".build", "npm-cid");
        Directory.CreateDirectory(folder);
        if (Directory.Exists(Path.Combine(folder, "node_modules", "multiformats")) && Directory.Exists(Path.Combine(folder, "node_modules", "@noble", "hashes")))
            return folder;
        var psi = new ProcessStartInfo("npm", ["install", "--no-audit", "--no-fund", "--silent", "multiformats@14", "@noble/hashes@2"])
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var npm = Process.Start(psi)!;
        string err = npm.StandardError.ReadToEnd();
        npm.StandardOutput.ReadToEnd();
        Assert.True(npm.WaitForExit(TimeSpan.FromMinutes(5)), "npm install timed out");
        Assert.True(npm.ExitCode == 0, $"npm install failed (needed for the differential test): {err}");
        return folder;
    }

    private static async Task<string> RunNodeAsync(string folder, string input)
    {
        var psi = new ProcessStartInfo("node", ["cid-check.mjs"])
        {
            WorkingDirectory = folder,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var node = Process.Start(psi)!;
        var stdout = node.StandardOutput.ReadToEndAsync();
        var stderr = node.StandardError.ReadToEndAsync();
        await node.StandardInput.WriteAsync(input);
        node.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await node.WaitForExitAsync(timeout.Token);
        Assert.True(node.ExitCode == 0, $"node cid-check.mjs failed: {await stderr}");
        return await stdout;
    }
}
