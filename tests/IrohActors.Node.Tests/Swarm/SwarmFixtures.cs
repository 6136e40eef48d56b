using System.Collections.Concurrent;
using IrohActors.Actors;
using IrohActors.Bao;
using IrohActors.Blake3;
using IrohActors.Node.NodeHost;
using IrohActors.Node.Swarm;
using IrohActors.Store;

namespace IrohActors.Node.Tests.Swarm;

/// <summary>Helpers of the swarm tests: partial provider stores and an event recorder.</summary>
internal static class SwarmFixtures
{
    /// <summary>Copies the verified items of <paramref name="ranges"/> of a complete blob into <paramref name="target"/> through its partial-blob writer.</summary>
    public static async Task CopyRangesAsync(IBlobStore source, IBlobStore target, Hash hash, ChunkRanges ranges)
    {
        using var reader = await source.OpenReaderAsync(hash, ranges);
        var writer = await target.OpenWriterAsync(hash, reader.Tree);
        await using (writer)
        {
            while (reader.TryNext(out var item))
                await writer.WriteAsync(item with { Bytes = item.Bytes.ToArray() });
            await writer.FlushAsync();
        }
    }

    /// <summary>Records every <see cref="SwarmEvent"/> published on <paramref name="node"/>'s event stream.</summary>
    public static ConcurrentQueue<SwarmEvent> RecordEvents(IrohNode node)
    {
        var queue = new ConcurrentQueue<SwarmEvent>();
        var recorder = node.System.ActorOf(Props.Create(() => new EventRecorder(queue)));
        node.System.EventStream.Subscribe<SwarmEvent>(recorder);
        return queue;
    }

    /// <summary>The events of type <typeparamref name="T"/> once at least one arrived (they reach the recorder asynchronously).</summary>
    public static async Task<List<T>> EventuallyAsync<T>(ConcurrentQueue<SwarmEvent> events)
    {
        var deadline = DateTime.UtcNow + Blobs.TestNodes.Generous;
        while (true)
        {
            var list = events.OfType<T>().ToList();
            if (list.Count > 0 || DateTime.UtcNow > deadline)
                return list;
            await Task.Delay(20);
        }
    }

    private sealed class EventRecorder : ReceiveActor
    {
        public EventRecorder(ConcurrentQueue<SwarmEvent> queue) => Receive<SwarmEvent>(queue.Enqueue);
    }
}
