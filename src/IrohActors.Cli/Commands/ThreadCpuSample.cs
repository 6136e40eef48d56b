using System.Globalization;

namespace IrohActors.Cli.Commands;

/// <summary>
/// The CPU time of each thread of this process (Linux <c>/proc/self/task/*/stat</c>), taken before and after a
/// measured window, so a benchmark can show which threads carried the work (<c>IROH_BENCH_THREADS=1</c>).
/// Threads are grouped by name (the runtime names its pool workers alike); a thread that ended inside the window is
/// not counted.
/// </summary>
internal sealed class ThreadCpuSample
{
    private readonly Dictionary<int, (string Name, double Seconds)> _threads;

    private ThreadCpuSample(Dictionary<int, (string Name, double Seconds)> threads) => _threads = threads;

    /// <summary>Reads every thread's user + system time now; empty where /proc is missing.</summary>
    public static ThreadCpuSample Take()
    {
        var threads = new Dictionary<int, (string, double)>();
        const string tasks = "/proc/self/task";
        if (!Directory.Exists(tasks))
            return new ThreadCpuSample(threads);
        var ticks = 100.0; // USER_HZ: 100 on every Linux ABI .NET runs on.
        foreach (var dir in Directory.EnumerateDirectories(tasks))
        {
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                // "tid (comm) state ...": comm may hold spaces and parentheses; fields follow the last ')'.
                var open = stat.IndexOf('(');
                var close = stat.LastIndexOf(')');
                var name = stat[(open + 1)..close];
                var fields = stat[(close + 2)..].Split(' ');
                // Fields after comm start at field 3 (state): utime is field 14, stime field 15.
                var utime = long.Parse(fields[11], CultureInfo.InvariantCulture);
                var stime = long.Parse(fields[12], CultureInfo.InvariantCulture);
                threads[int.Parse(Path.GetFileName(dir), CultureInfo.InvariantCulture)] = (name, (utime + stime) / ticks);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
                // The thread ended while the directory was listed.
            }
        }
        return new ThreadCpuSample(threads);
    }

    /// <summary>CPU seconds per thread name between <paramref name="before"/> and this sample, largest first, as one line each.</summary>
    public IEnumerable<string> Since(ThreadCpuSample before, double wallSeconds)
    {
        var byName = new Dictionary<string, (double Seconds, int Threads)>();
        foreach (var (tid, (name, seconds)) in _threads)
        {
            var used = seconds - (before._threads.TryGetValue(tid, out var old) ? old.Seconds : 0);
            if (used <= 0)
                continue;
            var (sum, count) = byName.GetValueOrDefault(name);
            byName[name] = (sum + used, count + 1);
        }
        foreach (var (name, (seconds, count)) in byName.OrderByDescending(p => p.Value.Seconds))
            yield return $"  {name,-16} {count,3} thread(s) {seconds,6:F2} s cpu ({seconds / wallSeconds * 100,5:F0}% of the window)";
    }
}
