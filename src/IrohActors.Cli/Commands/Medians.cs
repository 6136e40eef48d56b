namespace IrohActors.Cli.Commands;

/// <summary>The median the benches report for their interleaved rounds.</summary>
internal static class Medians
{
    /// <summary>The middle value; of an even count, the upper of the two middle values (a value that was measured, not an average).</summary>
    /// <exception cref="InvalidOperationException"><paramref name="values"/> is empty.</exception>
    public static double Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length > 0 ? sorted[sorted.Length / 2] : throw new InvalidOperationException("no values to take the median of");
    }
}
