using System.Diagnostics;

namespace IrohActors.Cli.Commands;

/// <summary>The Linux kernel source tree the benchmarks use (<c>bench store --kernel</c>, <c>bench transfer --kernel</c>).</summary>
internal static class KernelTreeSource
{
    /// <summary>Debian's linux-source-6.1 package puts the tarball here.</summary>
    public const string Tarball = "/usr/src/linux-source-6.1.tar.xz";

    /// <summary>Extracts the tarball under <paramref name="dir"/>/tree (once per work dir) and returns that folder, or null (with a note) when the tarball is missing.</summary>
    public static string? Extract(string dir, TextWriter output)
    {
        if (!File.Exists(Tarball))
        {
            output.WriteLine($"kernel tree: {Tarball} not found (apt-get install linux-source-6.1); skipped");
            return null;
        }
        var tree = Path.Combine(dir, "tree");
        if (Directory.Exists(tree) && Directory.EnumerateFileSystemEntries(tree).Any())
            return tree;
        Directory.CreateDirectory(tree);
        output.Write("kernel tree: extracting ... ");
        using var process = Process.Start(new ProcessStartInfo("tar") { ArgumentList = { "-xJf", Tarball, "-C", tree } })!;
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"tar -xJf {Tarball} exited with {process.ExitCode}");
        return tree;
    }

    /// <summary>The regular files under <paramref name="tree"/>, symlinks not followed (what the benches import, send and count).</summary>
    public static IEnumerable<string> Files(string tree) =>
        Directory.EnumerateFiles(tree, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint });
}
