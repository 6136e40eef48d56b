using System.Buffers.Binary;

namespace IrohActors.Collections.Tests;

/// <summary>Malformed collections raise <see cref="CollectionFormatException"/> naming the offset, never anything else.</summary>
public class CorruptionTests
{
    private static async Task<byte[]> Small() =>
        await TestLinks.BuildAsync(Enumerable.Range(0, 10).Select(i => new Link($"f{i}", TestLinks.HashOf(i))));

    private static async Task<byte[]> Indexed() =>
        await TestLinks.BuildAsync(Enumerable.Range(0, 20_000).Select(i => new Link($"dir/sub/file-{i:D8}", TestLinks.HashOf(i))));

    private static async Task<CollectionFormatException> FailsToReadAsync(byte[] bytes)
    {
        return await Assert.ThrowsAsync<CollectionFormatException>(async () =>
        {
            var reader = await TestLinks.OpenAsync(bytes);
            await TestLinks.ToListAsync(reader.EnumerateAsync());
        });
    }

    [Fact]
    public async Task BadMagic()
    {
        var bytes = await Small();
        bytes[3] ^= 0x20;
        var e = await FailsToReadAsync(bytes);
        Assert.Equal(0, e.Offset);
        Assert.Contains("bad magic", e.Message);
    }

    [Fact]
    public async Task UnknownVersionAndReservedBytes()
    {
        var bytes = await Small();
        bytes[8] = 2;
        Assert.Equal(8, (await FailsToReadAsync(bytes)).Offset);
        bytes = await Small();
        bytes[12] = 1;
        Assert.Equal(12, (await FailsToReadAsync(bytes)).Offset);
    }

    [Fact]
    public async Task TruncatedAnywhere()
    {
        var full = await Indexed();
        foreach (int cut in new[] { 0, 7, 39, 41, 100, full.Length / 2, full.Length - 1 })
        {
            var e = await FailsToReadAsync(full[..cut]);
            Assert.Contains("offset", e.Message);
        }
    }

    [Fact]
    public async Task TrailingBytes()
    {
        var bytes = (await Small()).Append((byte)0).ToArray();
        var e = await FailsToReadAsync(bytes);
        Assert.Contains("1 trailing bytes", e.Message);
        Assert.Equal(bytes.Length - 1, e.Offset);
    }

    [Fact]
    public async Task UnsortedAndDuplicateNames()
    {
        // Hand-made, unindexed: "b" then "a" (header per docs/collections.md).
        var link = (string name) => new byte[] { 1, (byte)name[0] }.Concat(TestLinks.HashOf(name).ToArray()).ToArray();
        foreach (var second in new[] { "a", "b" })
        {
            var body = link("b").Concat(link(second)).ToArray();
            var header = new byte[40];
            "IrohColl"u8.CopyTo(header);
            header[8] = 1;
            BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(16), 2);
            BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(24), 40);
            BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(32), body.Length);
            var e = await FailsToReadAsync([.. header, .. body]);
            Assert.Equal(40 + 34, e.Offset);
            Assert.Contains("out of order", e.Message);
        }
    }

    [Fact]
    public async Task CountThatDisagreesWithTheLinks()
    {
        var bytes = await Indexed();
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(16), 19_999);
        Assert.Contains("19999", (await FailsToReadAsync(bytes)).Message);

        bytes = await Indexed();
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(16), 20_001);
        Assert.Contains("20001", (await FailsToReadAsync(bytes)).Message);

        bytes = await Small();
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(16), 11); // more than 10 links of 35 bytes can hold
        Assert.Contains("link count 11 does not fit", (await FailsToReadAsync(bytes)).Message);

        bytes = await Small();
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(16), 9);
        Assert.Contains("more links than the header's count of 9", (await FailsToReadAsync(bytes)).Message);
    }

    [Fact]
    public async Task NonMinimalNameLength()
    {
        var bytes = await Small();
        // First link: name length 2 ("f0") at offset 40. Re-encode it as 0x82 0x00 by shifting is not possible in
        // place, so build the corrupt blob explicitly.
        var corrupt = bytes[..40].Concat(new byte[] { 0x82, 0x00 }).Concat(bytes[41..]).ToArray();
        BinaryPrimitives.WriteInt64LittleEndian(corrupt.AsSpan(32), corrupt.Length - 40);
        var e = await FailsToReadAsync(corrupt);
        Assert.Equal(40, e.Offset);
        Assert.Contains("non-minimal", e.Message);
    }

    [Fact]
    public async Task RandomDamageToHeaderAndIndexNeverEscapesAsAnotherException()
    {
        var original = await Indexed();
        var reader0 = await TestLinks.OpenAsync(original);
        int indexEnd = (int)reader0.LinksOffset;
        var rng = new Random(1234);
        int detected = 0;
        for (int round = 0; round < 400; round++)
        {
            var bytes = (byte[])original.Clone();
            int flips = 1 + rng.Next(3);
            for (int f = 0; f < flips; f++)
            {
                // Mostly the header and index, where every byte is structure; sometimes the links.
                int at = rng.Next(4) == 0 ? rng.Next(bytes.Length) : rng.Next(indexEnd);
                bytes[at] ^= (byte)(1 << rng.Next(8));
            }
            try
            {
                var reader = await TestLinks.OpenAsync(bytes);
                for (int q = 0; q < 5; q++)
                {
                    int i = rng.Next(20_000);
                    await reader.GetAsync($"dir/sub/file-{i:D8}");
                    await reader.GetAtAsync(rng.Next((int)Math.Min(reader.Count, 20_000)));
                }
                await TestLinks.ToListAsync(reader.PrefixAsync("dir/sub/file-0001"));
            }
            catch (CollectionFormatException e)
            {
                Assert.InRange(e.Offset, 0, bytes.Length);
                detected++;
            }
        }
        Assert.True(detected > 100, $"only {detected} of 400 damaged collections were detected");
    }
}
