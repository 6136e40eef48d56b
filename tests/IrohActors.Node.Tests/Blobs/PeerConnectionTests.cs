using IrohActors.Actors;
using IrohActors.Node.Peers;
using IrohActors.Node.Transport;
using IrohActors.Store;

namespace IrohActors.Node.Tests.Blobs;

public class PeerConnectionTests
{
    [Fact]
    public async Task OnePeerActorPerNodeSharesTheConnectionAndCountsBytes()
    {
        await using var nodes = new TestNodes();
        var provider = await nodes.StartAsync();
        var getter = await nodes.StartAsync();
        var data = TestNodes.RandomBytes(500_000, 8);
        using var imported = await provider.Store.ImportBytesAsync(data);
        var first = await getter.ConnectAsync(provider.Address);
        var second = await getter.ConnectAsync(provider.Address);
        Assert.Same(first, second);
        await getter.DownloadAsync(provider.CreateTicket(imported.Hash, BlobFormat.Raw)).WaitAsync(TestNodes.Generous);

        var peer = await getter.Peers.Ask<IActorRef>(new GetPeerActor(provider.NodeId), TestNodes.Generous);
        var stats = await peer.Ask<PeerStats>(GetPeerStats.Instance, TestNodes.Generous);
        Assert.Equal($"/user/node/peers/{provider.NodeId}", peer.Path.ToString());
        Assert.True(stats.Connected);
        Assert.Equal(1, stats.Connects);
        Assert.True(stats.BytesReceived > data.Length, $"{stats.BytesReceived} bytes received");
        Assert.Equal(provider.NodeId, stats.NodeId);
    }

    [Fact]
    public async Task ALostConnectionIsReestablished()
    {
        await using var nodes = new TestNodes();
        var provider = await nodes.StartAsync();
        var getter = await nodes.StartAsync();
        var connection = await getter.ConnectAsync(provider.Address);
        // An abnormal close (as a crash would look) makes the peer actor reconnect on its own.
        await connection.CloseAsync(CloseCode.Internal, "test: simulated failure");
        var peer = await getter.Peers.Ask<IActorRef>(new GetPeerActor(provider.NodeId), TestNodes.Generous);
        var deadline = DateTime.UtcNow + TestNodes.Generous;
        PeerStats stats;
        do
        {
            await Task.Delay(50);
            stats = await peer.Ask<PeerStats>(GetPeerStats.Instance, TestNodes.Generous);
        }
        while (stats.Connects < 2 && DateTime.UtcNow < deadline);
        Assert.Equal(2, stats.Connects);
        Assert.True(stats.Connected);
        var again = await getter.ConnectAsync(provider.Address);
        Assert.NotSame(connection, again);
    }
}
