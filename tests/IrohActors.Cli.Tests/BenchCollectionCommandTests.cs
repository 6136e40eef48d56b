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
        var original = Console.Out;
        var output = new StringWriter();
        int exit;
        try
        {
            Console.SetOut(output);
            exit = Program.BuildRoot().Parse(["bench", "collection", "--files", "300", "--links", "20000", "--lookups", "50", "--no-anchor"]).Invoke();
        }
        finally
        {
            Console.SetOut(original);
        }
        string text = output.ToString();
        Assert.True(exit == 0, text);
        Assert.Contains("links                       300", text);
        Assert.Contains("links                    20,000", text);
        Assert.Equal(2, text.Split("goal a lookup reads ≤ 64 KiB: met").Length - 1);
        Assert.Contains("index actor: load 300 links", text);
    }

    [Fact]
    public void A_bad_memory_budget_is_refused_with_the_reason()
    {
        var original = Console.Error;
        var error = new StringWriter();
        int exit;
        try
        {
            Console.SetError(error);
            exit = Program.BuildRoot().Parse(["bench", "collection", "--memory-budget", "lots"]).Invoke();
        }
        finally
        {
            Console.SetError(original);
        }
        Assert.Equal(2, exit);
        Assert.Contains("bench collection:", error.ToString());
    }
}
