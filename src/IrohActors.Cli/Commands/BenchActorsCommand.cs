using System.CommandLine;
using System.Diagnostics;
using System.Threading.Channels;
using IrohActors.Actors;

namespace IrohActors.Cli.Commands;

/// <summary><c>bench actors</c>: kernel tell/ask figures beside a bare <see cref="Channel{T}"/> anchor measured in the same run.</summary>
internal static class BenchActorsCommand
{
    private static readonly object Ball = new();

    public static Command Create()
    {
        var messages = new Option<int>("--messages") { Description = "Messages per throughput run (ping-pong counts both directions)", DefaultValueFactory = _ => 1_000_000 };
        var seconds = new Option<double>("--seconds") { Description = "Upper bound on the time of each throughput run, in seconds", DefaultValueFactory = _ => 10 };
        var asks = new Option<int>("--asks") { Description = "Sequential round trips for the ask latency figures", DefaultValueFactory = _ => 20_000 };
        var command = new Command("actors", "Actor kernel: tell throughput (ping-pong and one-way flood) and ask round trip, against a bare Channel<T> in the same run.");
        command.Options.Add(messages);
        command.Options.Add(seconds);
        command.Options.Add(asks);
        command.SetAction(async (pr, ct) =>
        {
            var n = pr.GetValue(messages);
            var limit = TimeSpan.FromSeconds(pr.GetValue(seconds));
            var askCount = pr.GetValue(asks);
            if (n < 2 || askCount < 10 || limit <= TimeSpan.Zero)
            {
                Console.Error.WriteLine("bench actors: --messages must be ≥ 2, --asks ≥ 10, --seconds > 0");
                return 2;
            }
            await RunAsync(n, limit, askCount).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static async Task RunAsync(int n, TimeSpan limit, int askCount)
    {
        Console.WriteLine($"bench actors: {Environment.ProcessorCount} cores, load average {LoadAverage()}, messages {n:N0}, asks {askCount:N0}");
        using var system = ActorSystem.Create("bench");

        // Warm-up (JIT, thread pool) with small runs of everything.
        await KernelPingPong(system, 20_000, limit).ConfigureAwait(false);
        await ChannelPingPong(20_000, limit).ConfigureAwait(false);
        await KernelFlood(system, 20_000, limit).ConfigureAwait(false);
        await ChannelFlood(20_000, limit).ConfigureAwait(false);
        await KernelAsk(system, 1_000).ConfigureAwait(false);
        await ChannelAsk(1_000).ConfigureAwait(false);

        var kPing = await KernelPingPong(system, n, limit).ConfigureAwait(false);
        var cPing = await ChannelPingPong(n, limit).ConfigureAwait(false);
        var kFlood = await KernelFlood(system, n, limit).ConfigureAwait(false);
        var cFlood = await ChannelFlood(n, limit).ConfigureAwait(false);
        var kAsk = await KernelAsk(system, askCount).ConfigureAwait(false);
        var cAsk = await ChannelAsk(askCount).ConfigureAwait(false);

        Console.WriteLine();
        Console.WriteLine($"{"",-30}{"kernel",16}{"Channel<T>",16}{"ratio",10}");
        Row("ping-pong tell (msgs/s)", kPing.Rate, cPing.Rate, $"{kPing.Rate / cPing.Rate:F2}");
        Row("one-way flood (msgs/s)", kFlood.Rate, cFlood.Rate, $"{kFlood.Rate / cFlood.Rate:F2}");
        Row("ask round trip median (µs)", kAsk.Median, cAsk.Median, $"{kAsk.Median / cAsk.Median:F2}");
        Row("ask round trip p99 (µs)", kAsk.P99, cAsk.P99, $"{kAsk.P99 / cAsk.P99:F2}");
        Console.WriteLine($"{"allocated per message (B)",-30}{kPing.BytesPerMessage,16:F1}{cPing.BytesPerMessage,16:F1}{"",10}  (ping-pong)");
        Console.WriteLine($"{"",-30}{kFlood.BytesPerMessage,16:F1}{cFlood.BytesPerMessage,16:F1}{"",10}  (flood)");
        Console.WriteLine();
        var pingGoal = kPing.Rate >= 0.5 * cPing.Rate;
        var askGoal = kAsk.Median < 20;
        Console.WriteLine($"goal tell throughput ≥ 0.5× channel (ping-pong): {(pingGoal ? "met" : "NOT met")} ({kPing.Rate / cPing.Rate:F2}×)");
        Console.WriteLine($"goal ask round trip median < 20 µs: {(askGoal ? "met" : "NOT met")} ({kAsk.Median:F1} µs)");
    }

    private static void Row(string name, double kernel, double anchor, string ratio)
        => Console.WriteLine($"{name,-30}{kernel,16:N1}{anchor,16:N1}{ratio,10}");

    private readonly record struct Throughput(long Messages, TimeSpan Elapsed, long Bytes)
    {
        public double Rate => Messages / Elapsed.TotalSeconds;
        public double BytesPerMessage => (double)Bytes / Messages;
    }

    private readonly record struct Latency(double Median, double P99);

    // ---------------------------------------------------------------- kernel

    private sealed class Ponger : UntypedActor
    {
        protected override void OnReceive(object message) => Sender.Tell(message, Self);
    }

    private sealed record Go(IActorRef Ponger, long RoundTrips, TaskCompletionSource<long> Done, DateTime Deadline);

    private sealed class Pinger : UntypedActor
    {
        private Go? _go;
        private long _left;
        private long _sent;

        protected override void OnReceive(object message)
        {
            if (message is Go go)
            {
                _go = go;
                _left = go.RoundTrips;
                _sent = 1;
                go.Ponger.Tell(Ball, Self);
                return;
            }
            if (--_left == 0 || ((_left & 4095) == 0 && DateTime.UtcNow > _go!.Deadline))
            {
                _go!.Done.TrySetResult(_sent);
                return;
            }
            _sent++;
            _go!.Ponger.Tell(message, Self);
        }
    }

    private static async Task<Throughput> KernelPingPong(ActorSystem system, int messages, TimeSpan limit)
    {
        var ponger = system.ActorOf(Props.Create<Ponger>());
        var pinger = system.ActorOf(Props.Create<Pinger>());
        var done = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        var bytes = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        pinger.Tell(new Go(ponger, messages / 2, done, DateTime.UtcNow + limit), null);
        var roundTrips = await done.Task.ConfigureAwait(false);
        clock.Stop();
        bytes = GC.GetTotalAllocatedBytes(precise: true) - bytes;
        system.Stop(ponger);
        system.Stop(pinger);
        return new Throughput(roundTrips * 2, clock.Elapsed, bytes);
    }

    private sealed class Counter(long expected, TaskCompletionSource<long> done) : UntypedActor
    {
        private long _count;

        protected override void OnReceive(object message)
        {
            if (message is long stopAt)
            {
                expected = stopAt;
                if (_count >= expected)
                    done.TrySetResult(_count);
                return;
            }
            if (++_count == expected)
                done.TrySetResult(_count);
        }
    }

    private static async Task<Throughput> KernelFlood(ActorSystem system, int messages, TimeSpan limit)
    {
        var done = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        var counter = system.ActorOf(Props.Create(() => new Counter(long.MaxValue, done)));
        var deadline = DateTime.UtcNow + limit;
        var bytes = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        long sent = 0;
        for (; sent < messages; sent++)
        {
            counter.Tell(Ball, null);
            if ((sent & 4095) == 0 && DateTime.UtcNow > deadline)
                break;
        }
        counter.Tell(sent, null);
        var count = await done.Task.ConfigureAwait(false);
        clock.Stop();
        bytes = GC.GetTotalAllocatedBytes(precise: true) - bytes;
        system.Stop(counter);
        return new Throughput(count, clock.Elapsed, bytes);
    }

    private sealed class Echo : UntypedActor
    {
        protected override void OnReceive(object message) => Sender.Tell(message, Self);
    }

    private static async Task<Latency> KernelAsk(ActorSystem system, int count)
    {
        var echo = system.ActorOf(Props.Create<Echo>());
        var samples = new double[count];
        for (var i = 0; i < count; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await echo.Ask<object>(Ball).ConfigureAwait(false);
            samples[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }
        system.Stop(echo);
        return Summarize(samples);
    }

    // ---------------------------------------------------------------- Channel<T> anchor

    private static async Task<Throughput> ChannelPingPong(int messages, TimeSpan limit)
    {
        var options = new UnboundedChannelOptions { SingleReader = true, SingleWriter = true };
        var ping = Channel.CreateUnbounded<object>(options);
        var pong = Channel.CreateUnbounded<object>(options);
        var roundTrips = messages / 2;
        var deadline = DateTime.UtcNow + limit;
        var bytes = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        var ponger = Task.Run(async () =>
        {
            await foreach (var m in ping.Reader.ReadAllAsync().ConfigureAwait(false))
                pong.Writer.TryWrite(m);
        });
        long done = 0;
        var pinger = Task.Run(async () =>
        {
            for (long i = 0; i < roundTrips; i++)
            {
                ping.Writer.TryWrite(Ball);
                await pong.Reader.ReadAsync().ConfigureAwait(false);
                done++;
                if ((i & 4095) == 0 && DateTime.UtcNow > deadline)
                    break;
            }
        });
        await pinger.ConfigureAwait(false);
        clock.Stop();
        bytes = GC.GetTotalAllocatedBytes(precise: true) - bytes;
        ping.Writer.Complete();
        await ponger.ConfigureAwait(false);
        return new Throughput(done * 2, clock.Elapsed, bytes);
    }

    private static async Task<Throughput> ChannelFlood(int messages, TimeSpan limit)
    {
        var channel = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var deadline = DateTime.UtcNow + limit;
        var bytes = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        var reader = Task.Run(async () =>
        {
            long count = 0;
            while (await channel.Reader.WaitToReadAsync().ConfigureAwait(false))
                while (channel.Reader.TryRead(out _))
                    count++;
            return count;
        });
        for (long sent = 0; sent < messages; sent++)
        {
            channel.Writer.TryWrite(Ball);
            if ((sent & 4095) == 0 && DateTime.UtcNow > deadline)
                break;
        }
        channel.Writer.Complete();
        var received = await reader.ConfigureAwait(false);
        clock.Stop();
        bytes = GC.GetTotalAllocatedBytes(precise: true) - bytes;
        return new Throughput(received, clock.Elapsed, bytes);
    }

    private static async Task<Latency> ChannelAsk(int count)
    {
        var requests = Channel.CreateUnbounded<TaskCompletionSource<object>>(new UnboundedChannelOptions { SingleReader = true });
        var server = Task.Run(async () =>
        {
            await foreach (var request in requests.Reader.ReadAllAsync().ConfigureAwait(false))
                request.TrySetResult(Ball);
        });
        var samples = new double[count];
        for (var i = 0; i < count; i++)
        {
            var start = Stopwatch.GetTimestamp();
            var reply = new TaskCompletionSource<object>(TaskCreationOptions.RunContinuationsAsynchronously);
            requests.Writer.TryWrite(reply);
            await reply.Task.ConfigureAwait(false);
            samples[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }
        requests.Writer.Complete();
        await server.ConfigureAwait(false);
        return Summarize(samples);
    }

    private static Latency Summarize(double[] samples)
    {
        Array.Sort(samples);
        return new Latency(samples[samples.Length / 2], samples[Math.Min(samples.Length - 1, (int)(samples.Length * 0.99))]);
    }

    private static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "n/a";
        }
    }
}
