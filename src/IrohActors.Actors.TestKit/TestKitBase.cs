using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Xunit;

namespace IrohActors.Actors.TestKit;

/// <summary>
/// The expectations shared by <see cref="TestKit"/> and <see cref="TestProbe"/> (Akka.TestKit's <c>TestKitBase</c>):
/// every Expect/Receive call consumes messages of this kit's test actor in arrival order. A timeout not given
/// explicitly is the time left in the innermost <see cref="Within(TimeSpan, TimeSpan, Action, string?)"/> block, else
/// <c>single-expect-default</c> (3 s); every timeout is multiplied by the time factor. Failures throw xunit assertion
/// exceptions that say what was expected and what came.
/// </summary>
public abstract class TestKitBase
{
    /// <summary>Environment variable that multiplies every test timeout (for loaded CI machines).</summary>
    public const string TimeFactorEnvironmentVariable = "IROH_TEST_TIMEFACTOR";

    private static readonly TimeSpan WatchTimeout = TimeSpan.FromSeconds(10);
    private readonly TestMessageQueue _queue;
    private DateTime? _end;
    private bool _lastWasNoMsg;

    private protected TestKitBase(ActorSystem system, string testActorName)
    {
        Sys = system;
        TimeFactor = system.Settings.TestTimeFactor * EnvironmentTimeFactor();
        _queue = new TestMessageQueue();
        var queue = _queue;
        TestActor = system.SystemActorOf(Props.Create(() => new TestActor(queue)), testActorName);
    }

    /// <summary>The actor system under test.</summary>
    public ActorSystem Sys { get; }

    /// <summary>The actor whose received messages the Expect methods read.</summary>
    public IActorRef TestActor { get; }

    /// <summary>Sender of the last message taken.</summary>
    public IActorRef LastSender { get; private set; } = ActorRefs.Nobody;

    /// <summary>The last message taken, if any.</summary>
    public object? LastMessage { get; private set; }

    /// <summary>Settings' <c>timefactor</c> × <see cref="TimeFactorEnvironmentVariable"/>.</summary>
    public double TimeFactor { get; }

    /// <summary>True when messages are waiting to be taken.</summary>
    public bool HasMessages => _queue.Count > 0;

    /// <summary>The timeout multiplied by <see cref="TimeFactor"/> (infinite stays infinite).</summary>
    public TimeSpan Dilated(TimeSpan duration)
        => duration == Timeout.InfiniteTimeSpan ? duration : TimeSpan.FromTicks((long)(duration.Ticks * TimeFactor));

    /// <summary>Time left in the innermost <c>Within</c> block (throws outside one).</summary>
    public TimeSpan Remaining => _end is { } end
        ? Max(end - DateTime.UtcNow, TimeSpan.Zero)
        : throw new InvalidOperationException("Remaining is only defined inside a Within block; use RemainingOrDefault");

    /// <summary>Time left in the innermost <c>Within</c> block, else the dilated <c>single-expect-default</c>.</summary>
    public TimeSpan RemainingOrDefault => _end is null ? Dilated(Sys.Settings.TestSingleExpectDefault) : Remaining;

    // ---------------------------------------------------------------- Expect

    /// <summary>Expects a message of type <typeparamref name="T"/>.</summary>
    public T ExpectMsg<T>(TimeSpan? timeout = null, string? hint = null)
        => ExpectMsgCore<T>(timeout, hint, (m, _) => null);

    /// <summary>Expects a message equal to <paramref name="expected"/>.</summary>
    public T ExpectMsg<T>(T expected, TimeSpan? timeout = null, string? hint = null)
        => ExpectMsgCore<T>(timeout, hint, (m, _) => Equals(m, expected) ? null : $"Expected message {Show(expected)}, but received {Show(m)}");

    /// <summary>Expects a message of type <typeparamref name="T"/> for which <paramref name="isMessage"/> is true.</summary>
    public T ExpectMsg<T>(Predicate<T> isMessage, TimeSpan? timeout = null, string? hint = null)
    {
        ArgumentNullException.ThrowIfNull(isMessage);
        return ExpectMsgCore<T>(timeout, hint, (m, _) => isMessage(m) ? null : $"Message {Show(m)} did not match the predicate");
    }

    /// <summary>Expects a message of type <typeparamref name="T"/> and runs assertions on it.</summary>
    public T ExpectMsg<T>(Action<T> assert, TimeSpan? timeout = null, string? hint = null)
    {
        ArgumentNullException.ThrowIfNull(assert);
        return ExpectMsgCore<T>(timeout, hint, (m, _) => { assert(m); return null; });
    }

    /// <summary>Expects a message of type <typeparamref name="T"/> for which <paramref name="isMessageAndSender"/> is true.</summary>
    public T ExpectMsg<T>(Func<T, IActorRef, bool> isMessageAndSender, TimeSpan? timeout = null, string? hint = null)
    {
        ArgumentNullException.ThrowIfNull(isMessageAndSender);
        return ExpectMsgCore<T>(timeout, hint, (m, s) => isMessageAndSender(m, s) ? null : $"Message {Show(m)} from {s.Path} did not match the predicate");
    }

    /// <summary>Expects the <see cref="Terminated"/> of <paramref name="target"/> (watch it first with <see cref="Watch"/>).</summary>
    public Terminated ExpectTerminated(IActorRef target, TimeSpan? timeout = null, string? hint = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        var underlying = target is TestProbe probe ? probe.Ref : target;
        return ExpectMsgCore<Terminated>(timeout, hint ?? $"Terminated of {target.Path}",
            (t, _) => t.ActorRef.Equals(underlying) ? null : $"Expected Terminated of {underlying.Path}, but received Terminated of {t.ActorRef.Path}");
    }

    /// <summary>Expects no message during <paramref name="duration"/> (dilated).</summary>
    public void ExpectNoMsg(TimeSpan duration)
    {
        var wait = Dilated(duration);
        var start = Stopwatch.StartNew();
        if (_queue.TryTake(wait, out var envelope))
        {
            Record(envelope);
            Fail($"Expected no messages during {Format(wait)}, instead we received {Show(envelope.Message)} from {envelope.Sender.Path} after {Format(start.Elapsed)}");
        }
        _lastWasNoMsg = true;
    }

    /// <summary>Expects no message for the rest of the <c>Within</c> block, else for <c>single-expect-default</c> (slow: prefer a duration).</summary>
    public void ExpectNoMsg() => ExpectNoMsg(_end is null ? Sys.Settings.TestSingleExpectDefault : TimeSpan.FromTicks((long)(Remaining.Ticks / TimeFactor)));

    /// <summary>Expects exactly the given messages, in any order.</summary>
    public IReadOnlyList<T> ExpectMsgAllOf<T>(params T[] expected)
    {
        ArgumentNullException.ThrowIfNull(expected);
        var missing = expected.ToList();
        var received = new List<T>();
        var deadline = DateTime.UtcNow + RemainingOrDefault;
        while (missing.Count > 0)
        {
            var envelope = TakeOrFail(deadline - DateTime.UtcNow, $"{missing.Count} of {expected.Length} expected messages (missing: {string.Join(", ", missing.Select(m => Show(m)))})", null);
            if (envelope.Message is not T typed || !missing.Remove(typed))
                Fail($"Expected one of [{string.Join(", ", missing.Select(m => Show(m)))}], but received {Show(envelope.Message)} from {envelope.Sender.Path}");
            else
                received.Add(typed);
        }
        return received;
    }

    // ---------------------------------------------------------------- Receive

    /// <summary>Takes the next message, or null when none arrives within the timeout.</summary>
    public object? ReceiveOne(TimeSpan? max = null)
    {
        if (!_queue.TryTake(RemainingOrDilated(max), out var envelope))
            return null;
        Record(envelope);
        return envelope.Message;
    }

    /// <summary>Takes exactly <paramref name="numberOfMessages"/> messages within <paramref name="max"/> (total).</summary>
    public IReadOnlyList<object> ReceiveN(int numberOfMessages, TimeSpan? max = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(numberOfMessages);
        var total = RemainingOrDilated(max);
        var deadline = DateTime.UtcNow + total;
        var result = new List<object>(numberOfMessages);
        for (var i = 0; i < numberOfMessages; i++)
            result.Add(TakeOrFail(deadline - DateTime.UtcNow, $"message {i + 1} of {numberOfMessages} (ReceiveN, total {Format(total)})", null).Message);
        return result;
    }

    /// <summary>Takes messages while <paramref name="filter"/> maps them to non-null (the first one it maps to null is left
    /// for the next call), until <paramref name="max"/> passes, no message comes for <paramref name="idle"/>, or
    /// <paramref name="msgs"/> were taken.</summary>
    public IReadOnlyList<T> ReceiveWhile<T>(Func<object, T?> filter, TimeSpan? max = null, TimeSpan? idle = null, int msgs = int.MaxValue) where T : class
    {
        ArgumentNullException.ThrowIfNull(filter);
        var deadline = DateTime.UtcNow + RemainingOrDilated(max);
        var idleWait = idle is { } i ? Dilated(i) : Timeout.InfiniteTimeSpan;
        var result = new List<T>();
        while (result.Count < msgs)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
                break;
            var wait = idleWait == Timeout.InfiniteTimeSpan ? left : Min(left, idleWait);
            if (!_queue.TryTake(wait, out var envelope))
                break;
            var mapped = filter(envelope.Message);
            if (mapped is null)
            {
                _queue.PushFront(envelope);
                break;
            }
            Record(envelope);
            result.Add(mapped);
        }
        _lastWasNoMsg = true;
        return result;
    }

    /// <summary>Takes and discards messages until one satisfies <paramref name="isMessage"/> (returned), within <paramref name="max"/>.</summary>
    public object FishForMessage(Predicate<object> isMessage, TimeSpan? max = null, string hint = "")
        => FishForMessage<object>(isMessage, max, hint);

    /// <summary>Takes and discards messages until one of type <typeparamref name="T"/> satisfies <paramref name="isMessage"/>.</summary>
    public T FishForMessage<T>(Predicate<T> isMessage, TimeSpan? max = null, string hint = "")
    {
        ArgumentNullException.ThrowIfNull(isMessage);
        var total = RemainingOrDilated(max);
        var deadline = DateTime.UtcNow + total;
        var discarded = new List<string>();
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (!_queue.TryTake(left, out var envelope))
                Fail($"Timeout ({Format(total)}) during FishForMessage<{typeof(T).Name}>, hint: {hint}; discarded: [{string.Join(", ", discarded)}]");
            Record(envelope);
            if (envelope.Message is T typed && isMessage(typed))
                return typed;
            discarded.Add(Show(envelope.Message));
        }
    }

    // ---------------------------------------------------------------- Within / Await

    /// <summary>Runs <paramref name="action"/>, which must take at most <paramref name="max"/> (dilated).</summary>
    public void Within(TimeSpan max, Action action, TimeSpan? epsilon = null) => Within(TimeSpan.Zero, max, action, null, epsilon);

    /// <summary>Runs <paramref name="action"/>, which must take at least <paramref name="min"/> and at most
    /// <paramref name="max"/> (dilated); Expect calls inside without a timeout use the time left.</summary>
    public void Within(TimeSpan min, TimeSpan max, Action action, string? hint = null, TimeSpan? epsilon = null)
    {
        ArgumentNullException.ThrowIfNull(action);
        Within<object?>(min, max, () => { action(); return null; }, hint, epsilon);
    }

    /// <summary><see cref="Within(TimeSpan, TimeSpan, Action, string?, TimeSpan?)"/> returning the block's value.</summary>
    public T Within<T>(TimeSpan min, TimeSpan max, Func<T> function, string? hint = null, TimeSpan? epsilon = null)
    {
        ArgumentNullException.ThrowIfNull(function);
        var dilatedMax = Dilated(max);
        var start = DateTime.UtcNow;
        var outer = _end;
        var effectiveMax = outer is { } o ? Min(dilatedMax, Max(o - start, TimeSpan.Zero)) : dilatedMax;
        _end = start + effectiveMax;
        _lastWasNoMsg = false;
        T result;
        try
        {
            result = function();
        }
        finally
        {
            _end = outer;
        }
        var elapsed = DateTime.UtcNow - start;
        var suffix = hint is null ? "" : $" ({hint})";
        if (elapsed < min)
            Fail($"Block took {Format(elapsed)}, should have at least been {Format(min)}{suffix}");
        if (!_lastWasNoMsg && elapsed > effectiveMax + (epsilon ?? Dilated(TimeSpan.FromMilliseconds(100))))
            Fail($"Block took {Format(elapsed)}, exceeding {Format(effectiveMax)}{suffix}");
        return result;
    }

    /// <summary>Polls <paramref name="condition"/> every <paramref name="interval"/> (default max/10) until it is true;
    /// fails after <paramref name="max"/>.</summary>
    public void AwaitCondition(Func<bool> condition, TimeSpan? max = null, TimeSpan? interval = null, string? message = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var total = RemainingOrDilated(max);
        var poll = interval ?? TimeSpan.FromTicks(Math.Max(total.Ticks / 10, TimeSpan.FromMilliseconds(10).Ticks));
        var deadline = DateTime.UtcNow + total;
        while (!condition())
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
                Fail($"Timeout {Format(total)} expired while waiting for condition{(message is null ? "" : ": " + message)}");
            Thread.Sleep(Min(poll, left));
        }
    }

    /// <summary>Runs <paramref name="assertion"/> every <paramref name="interval"/> (default 100 ms) until it stops throwing;
    /// after <paramref name="duration"/> the last failure is rethrown.</summary>
    public void AwaitAssert(Action assertion, TimeSpan? duration = null, TimeSpan? interval = null)
    {
        ArgumentNullException.ThrowIfNull(assertion);
        var deadline = DateTime.UtcNow + RemainingOrDilated(duration);
        var poll = interval ?? TimeSpan.FromMilliseconds(100);
        while (true)
        {
            try
            {
                assertion();
                return;
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(Min(poll, Max(deadline - DateTime.UtcNow, TimeSpan.Zero)));
            }
        }
    }

    // ---------------------------------------------------------------- async twins

    /// <summary>Async <see cref="ExpectMsg{T}(Predicate{T}, TimeSpan?, string?)"/> (predicate optional).</summary>
    public async Task<T> ExpectMsgAsync<T>(Predicate<T>? isMessage = null, TimeSpan? timeout = null, string? hint = null, CancellationToken cancellationToken = default)
    {
        var wait = RemainingOrDilated(timeout);
        var envelope = await _queue.TakeAsync(wait, cancellationToken).ConfigureAwait(false);
        if (envelope is not { } e)
        {
            Fail($"Timeout {Format(wait)} while waiting for a message of type {typeof(T).Name}{Hint(hint)}");
            throw new UnreachableException();
        }
        Record(e);
        if (e.Message is not T typed)
        {
            Fail($"Expected a message of type {typeof(T).Name}, but received {Show(e.Message)} (type {e.Message.GetType().Name}) instead{Hint(hint)} from {e.Sender.Path}");
            throw new UnreachableException();
        }
        if (isMessage is not null && !isMessage(typed))
            Fail($"Message {Show(typed)} did not match the predicate{Hint(hint)}");
        return typed;
    }

    /// <summary>Async <see cref="ExpectNoMsg(TimeSpan)"/>.</summary>
    public async Task ExpectNoMsgAsync(TimeSpan duration, CancellationToken cancellationToken = default)
    {
        var wait = Dilated(duration);
        var envelope = await _queue.TakeAsync(wait, cancellationToken).ConfigureAwait(false);
        if (envelope is { } e)
        {
            Record(e);
            Fail($"Expected no messages during {Format(wait)}, instead we received {Show(e.Message)} from {e.Sender.Path}");
        }
    }

    // ---------------------------------------------------------------- watch

    /// <summary>Makes the test actor watch <paramref name="actor"/> (returns when the watch is in place).</summary>
    public IActorRef Watch(IActorRef actor) => WatchCommand(actor, watch: true);

    /// <summary>Stops watching <paramref name="actor"/>.</summary>
    public IActorRef Unwatch(IActorRef actor) => WatchCommand(actor, watch: false);

    private IActorRef WatchCommand(IActorRef actor, bool watch)
    {
        ArgumentNullException.ThrowIfNull(actor);
        using var done = new ManualResetEventSlim();
        TestActor.Tell(new TestActor.WatchCommand(actor, watch, done), null);
        if (!done.Wait(Dilated(WatchTimeout)))
            Fail($"test actor {TestActor.Path} did not {(watch ? "watch" : "unwatch")} {actor.Path} within {Format(Dilated(WatchTimeout))}");
        return actor;
    }

    // ---------------------------------------------------------------- helpers

    internal TimeSpan RemainingOrDilated(TimeSpan? duration) => duration is { } d ? Dilated(d) : RemainingOrDefault;

    private T ExpectMsgCore<T>(TimeSpan? timeout, string? hint, Func<T, IActorRef, string?> check)
    {
        var wait = RemainingOrDilated(timeout);
        var envelope = TakeOrFail(wait, $"a message of type {typeof(T).Name}", hint);
        if (envelope.Message is not T typed)
        {
            Fail($"Expected a message of type {typeof(T).Name}, but received {Show(envelope.Message)} (type {envelope.Message.GetType().Name}) instead{Hint(hint)} from {envelope.Sender.Path}");
            throw new UnreachableException();
        }
        var problem = check(typed, envelope.Sender);
        if (problem is not null)
            Fail(problem + Hint(hint) + $" from {envelope.Sender.Path}");
        return typed;
    }

    private MessageEnvelope TakeOrFail(TimeSpan wait, string what, string? hint)
    {
        if (!_queue.TryTake(wait, out var envelope))
            Fail($"Timeout {Format(wait)} while waiting for {what}{Hint(hint)}");
        Record(envelope);
        return envelope;
    }

    private void Record(MessageEnvelope envelope)
    {
        LastMessage = envelope.Message;
        LastSender = envelope.Sender;
        _lastWasNoMsg = false;
    }

    [DoesNotReturn]
    private protected static void Fail(string message)
    {
        Assert.Fail("Failed: " + message);
        throw new UnreachableException();
    }

    private static string Hint(string? hint) => string.IsNullOrEmpty(hint) ? "" : $" (hint: {hint})";

    private static string Show(object? value) => value switch
    {
        null => "null",
        string s => $"\"{s}\"",
        _ => value.ToString() ?? value.GetType().Name,
    };

    private static string Format(TimeSpan span) => span == Timeout.InfiniteTimeSpan ? "infinite" : $"{span.TotalMilliseconds:F0} ms";

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static double EnvironmentTimeFactor()
    {
        var text = Environment.GetEnvironmentVariable(TimeFactorEnvironmentVariable);
        if (string.IsNullOrWhiteSpace(text))
            return 1.0;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var factor) || factor <= 0 || double.IsInfinity(factor))
            throw new ArgumentException($"{TimeFactorEnvironmentVariable}=\"{text}\" is not a positive number");
        return factor;
    }
}
