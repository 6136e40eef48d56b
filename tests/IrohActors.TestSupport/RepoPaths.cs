namespace IrohActors.TestSupport;

/// <summary>Locates the repository root and the <c>shared</c> folder (test vectors, HOCON cases) beside it.</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> RootLazy = new(FindRoot);

    /// <summary>The folder holding <c>IrohActors.sln</c>.</summary>
    public static string Root => RootLazy.Value;

    /// <summary>The shared material: <c>$IROH_SHARED</c> if set, else <c>../shared</c> from the root.</summary>
    public static string Shared
    {
        get
        {
            var fromEnv = Environment.GetEnvironmentVariable("IROH_SHARED");
            var path = string.IsNullOrEmpty(fromEnv) ? Path.GetFullPath(Path.Combine(Root, "..", "shared")) : fromEnv;
            if (!Directory.Exists(path))
                throw new DirectoryNotFoundException($"shared material not found at {path} (set IROH_SHARED)");
            return path;
        }
    }

    /// <summary>A path inside the shared material.</summary>
    public static string SharedFile(params string[] parts) => Path.Combine([Shared, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "IrohActors.sln")))
                return dir.FullName;
        throw new DirectoryNotFoundException("IrohActors.sln not found above " + AppContext.BaseDirectory);
    }
}
