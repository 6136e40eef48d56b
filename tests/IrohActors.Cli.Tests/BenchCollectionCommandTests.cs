namespace IrohActors.Cli.Tests;

/// <summary>
/// <c>bench collection</c> end to end at a tiny size: it must build both collections, find every sampled name and
/// report its figures (the speed itself is not asserted). Console output is captured, hence the own collection.
/// </summary>
[Collection("console output")]
public sealed class BenchCollectionCommandTests
{
    [Fact]
    public void A_small_run_builds_both_collections_and_meets_the_bytes_per_lookup_goal()
    {
        var (exit, text) = Run(errors: false, "bench", "collection", "--files", "300", "--links", "20000", "--lookups", "50", "--no-anchor");
        Assert.True(exit == 0, text);
        Assert.Contains("links                       300", text);
        Assert.Contains("links                    20,000", text);
        Assert.Equal(2, text.Split("goal a lookup reads ≤ 64 KiB: met").Length - 1);
        Assert.Contains("index actor: load 300 links", text);
    }

    [Fact]
    public void A_bad_memory_budget_is_refused_with_the_reason()
    {
        var (exit, text) = Run(errors: true, "bench", "collection", "--memory-budget", "lots");
        Assert.Equal(2, exit);
        Assert.Contains("bench collection:", text);
    }

    /// <summary>Runs the command line in-process and returns its exit code and what it wrote to stdout (or stderr).</summary>
    private static (int Exit, string Text) Run(bool errors, params string[] args)
    {
        var original = errors ? Console.Error : Console.Out;
        var captured = new StringWriter();
        try
        {
            if (errors)
                Console.SetError(captured);
            else
                Console.SetOut(captured);
            int exit = Program.BuildRoot().Parse(args).Invoke();
            return (exit, captured.ToString());
        }
        finally
        {
            if (errors)
                Console.SetError(original);
            else
                Console.SetOut(original);
        }
    }
}
