using System.Text;
using IrohActors.Blake3;
using IrohActors.Collections;
using IrohActors.Node.NodeHost;
using IrohActors.Node.Tests.Blobs;
using IrohActors.Node.Tickets;
using IrohActors.Store;

namespace IrohActors.Node.Tests.Remote;

/// <summary>
/// A provider holding a 24,000-link collection (names <c>dir-DD/file-NNNNNN.txt</c>, each linking to the BLAKE3 of
/// its name), a second node that reads it remotely, and the collection's bytes for a local reader to compare with.
/// </summary>
public sealed class RemoteCollectionFixture : IAsyncLifetime
{
    public const int LinkCount = 24_000;
    public const int Directories = 40;
    private readonly TestNodes _nodes = new();

    public IrohNode Provider { get; private set; } = null!;

    public IrohNode Reader { get; private set; } = null!;

    public byte[] Bytes { get; private set; } = [];

    public CollectionReader Local { get; private set; } = null!;

    public BlobTicket Ticket { get; private set; } = null!;

    public static string Name(int i) => $"dir-{i % Directories:D2}/file-{i:D6}.txt";

    public static Hash Target(string name) => Hasher.Hash(Encoding.UTF8.GetBytes(name));

    public async Task InitializeAsync()
    {
        using var builder = new CollectionBuilder();
        for (var i = 0; i < LinkCount; i++)
            builder.Add(Name(i), Target(Name(i)));
        using var output = new MemoryStream();
        var info = await builder.WriteToAsync(output);
        Bytes = output.ToArray();
        Local = await CollectionReader.OpenAsync(new MemoryBlobReader(Bytes));
        Provider = await _nodes.StartAsync();
        Reader = await _nodes.StartAsync();
        using var imported = await Provider.Store.ImportBytesAsync(Bytes);
        Assert.Equal(info.Hash, imported.Hash);
        Ticket = Provider.CreateTicket(info.Hash, BlobFormat.HashSeq);
    }

    public async Task DisposeAsync() => await _nodes.DisposeAsync();
}
