using IrohActors.Node.Getter;
using Spectre.Console;

namespace IrohActors.Cli.Commands;

/// <summary>A Spectre.Console progress bar on stderr (bytes, bytes/s, ETA when the total is known), or nothing with <c>--no-progress</c>.</summary>
internal static class TransferDisplay
{
    private static readonly IAnsiConsole Err = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });

    /// <summary>Runs <paramref name="work"/>, feeding its progress to a bar when <paramref name="enabled"/>.</summary>
    public static async Task<T> RunAsync<T>(bool enabled, string description, Func<IProgress<TransferProgress>?, Task<T>> work)
    {
        if (!enabled)
            return await work(null).ConfigureAwait(false);
        T result = default!;
        await Err.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(), new TransferSpeedColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask(description);
                task.IsIndeterminate = true;
                var progress = new BarProgress(task, description);
                result = await work(progress).ConfigureAwait(false);
                task.Value = task.MaxValue;
                task.StopTask();
            }).ConfigureAwait(false);
        return result;
    }

    /// <summary>One line on stderr (suppressed with <c>--no-progress</c> by the caller).</summary>
    public static void Note(string text) => Console.Error.WriteLine(text);

    /// <summary>Bytes per second, human readable.</summary>
    public static string Rate(long bytes, TimeSpan elapsed) => $"{bytes / Math.Max(elapsed.TotalSeconds, 1e-6) / (1 << 20):F1} MiB/s";

    private sealed class BarProgress(ProgressTask task, string description) : IProgress<TransferProgress>
    {
        public void Report(TransferProgress value)
        {
            // A single blob's size is its total (the response adds a few percent of parents); a collection's is unknown up front.
            if (value.BlobsTotal is 1 or null && value.BlobsDone == 0 && value.CurrentBlobSize > 0)
            {
                task.IsIndeterminate = false;
                task.MaxValue = Math.Max(value.CurrentBlobSize * 1.016 + 9, value.BytesReceived);
            }
            else if (task.IsIndeterminate)
                task.MaxValue = Math.Max(task.MaxValue, value.BytesReceived + 1);
            task.Value = value.BytesReceived;
            if (value.BlobsTotal is { } total && total > 1)
                task.Description = $"{description} {value.BlobsDone}/{total} blobs";
        }
    }
}
