namespace IrohActors.Cli.Commands;

/// <summary>Finds the anchor tools the benchmarks run beside the node (b3sum, curl, nc).</summary>
internal static class AnchorTool
{
    /// <summary>The full path of <paramref name="name"/> in a <c>PATH</c> folder; null when no folder holds it.</summary>
    public static string? Find(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Where(dir => dir.Length > 0)
            .Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);
}
