namespace IrohActors.Hocon;

/// <summary>How substitutions are resolved.</summary>
public sealed class HoconResolveOptions
{
    /// <summary>The defaults: environment variables are the fallback for paths not in the configuration.</summary>
    public static HoconResolveOptions Default { get; } = new();

    /// <summary>No environment fallback (as the spec's conformance tests resolve).</summary>
    public static HoconResolveOptions NoEnvironment { get; } = new() { UseEnvironment = false };

    /// <summary>Whether a substitution not found in the configuration is looked up as an environment variable (spec: yes).</summary>
    public bool UseEnvironment { get; init; } = true;

    /// <summary>Replaces <see cref="Environment.GetEnvironmentVariable(string)"/> for the fallback (tests, sandboxes).</summary>
    public Func<string, string?>? EnvironmentLookup { get; init; }
}
