namespace IrohActors.Node.Identity;

/// <summary>Where a node keeps its key and store: <c>--data-dir</c>, else <c>$IROH_ACTORS_DATA_DIR</c>, else <c>~/.local/share/iroh-actors</c>.</summary>
public static class NodeDataDirectory
{
    /// <summary>The environment variable naming the default data directory.</summary>
    public const string EnvironmentVariable = "IROH_ACTORS_DATA_DIR";

    /// <summary>Resolves the data directory from an explicit choice, the environment, or the per-user default.</summary>
    public static string Resolve(string? explicitDirectory)
    {
        if (!string.IsNullOrWhiteSpace(explicitDirectory))
            return Path.GetFullPath(explicitDirectory);
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
            return Path.GetFullPath(fromEnvironment);
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return Path.Combine(home, ".local", "share", "iroh-actors");
    }
}
