using IrohActors.TestSupport;

namespace IrohActors.Hocon.Tests;

/// <summary>
/// lightbend/config's equivalence sets (../shared/hocon-cases): every file directly in a set parses, with its
/// includes, to the value of the set's original.json; .json files are read by the same HOCON reader.
/// </summary>
public sealed class EquivalenceTests
{
    private static string CasesRoot => RepoPaths.SharedFile("hocon-cases", "lightbend-config");

    public static TheoryData<string, string> CaseFiles()
    {
        var data = new TheoryData<string, string>();
        foreach (var dir in Directory.GetDirectories(CasesRoot).Order(StringComparer.Ordinal))
        {
            foreach (var file in Directory.GetFiles(dir).Order(StringComparer.Ordinal))
            {
                var name = Path.GetFileName(file);
                if (name.StartsWith("original.", StringComparison.Ordinal) || !(name.EndsWith(".conf", StringComparison.Ordinal) || name.EndsWith(".json", StringComparison.Ordinal)))
                    continue;
                data.Add(Path.GetFileName(dir), name);
            }
        }
        return data;
    }

    [Fact]
    public void AllFifteenUpstreamCaseFilesAreFound()
    {
        // Upstream checksum (hocon-cases/README.md): 5 directories, 15 test files.
        Assert.Equal(15, CaseFiles().Count);
    }

    [Theory]
    [MemberData(nameof(CaseFiles))]
    public void CaseFileParsesToOriginalJson(string set, string file)
    {
        var dir = Path.Combine(CasesRoot, set);
        var expected = File.ReadAllText(Path.Combine(dir, "original.json"));
        var actual = HoconConfig.ParseFile(Path.Combine(dir, file)).Resolve(HoconResolveOptions.NoEnvironment).ToJson();
        JsonTree.AssertEqual(expected, actual, $"{set}/{file}");
    }

    [Theory]
    [MemberData(nameof(CaseFiles))]
    public void CaseFileParsesAsHoconTextToo(string set, string file)
    {
        // Same content through ParseString with the includes resolved against the set's folder.
        var dir = Path.Combine(CasesRoot, set);
        var expected = File.ReadAllText(Path.Combine(dir, "original.json"));
        var actual = HoconConfig.ParseString(File.ReadAllText(Path.Combine(dir, file)), dir).Resolve(HoconResolveOptions.NoEnvironment).ToJson();
        JsonTree.AssertEqual(expected, actual, $"{set}/{file} as text");
    }
}
