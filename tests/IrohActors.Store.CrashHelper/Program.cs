using IrohActors.Bao;
using IrohActors.Blake3;
using IrohActors.Store;

// Crash-test workload: imports (copy, in place, stream) and partial writes against a file-system store, forever,
// until the test kills the process with SIGKILL. Usage: CrashHelper STORE_DIR SCRATCH_DIR SEED
var storeDir = args[0];
var scratch = args[1];
var random = new Random(int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture));
Directory.CreateDirectory(scratch);
await using var store = BlobStores.OpenFileSystem(storeDir, new StoreOptions { WriterFlushBytes = 64 * 1024 });
// Untagged imports of earlier runs go; the download targets are tagged and resume.
await store.GcAsync();
foreach (var old in Directory.GetFiles(scratch))
    File.Delete(old);
var targets = Enumerable.Range(1, 3).Select(i => Data(i, 3 << 20)).ToArray();
foreach (var (t, i) in targets.Select((t, i) => (t, i)))
    await store.SetTagAsync($"target-{i}", Hasher.Hash(t));
Console.WriteLine("ready");
Console.Out.Flush();
for (var n = 0; ; n++)
{
    switch (random.Next(5))
    {
        case 0:
            Reported(await store.ImportBytesAsync(Data(random.Next(), random.Next(1, 1 << 20))));
            break;
        case 1:
        {
            // A fresh file each time: in-place sources must not change after import.
            var path = Path.Combine(scratch, $"src-{n}.bin");
            await File.WriteAllBytesAsync(path, Data(random.Next(), random.Next(1, 512 << 10)));
            Reported(await store.ImportFileAsync(path, random.Next(2) == 0 ? ImportMode.Copy : ImportMode.InPlace));
            break;
        }
        case 2:
        {
            // A batch (group commit): small, middle and large files, by copy or in place.
            var paths = new List<string>();
            for (var k = random.Next(2, 12); k > 0; k--)
            {
                var path = Path.Combine(scratch, $"batch-{n}-{k}.bin");
                await File.WriteAllBytesAsync(path, Data(random.Next(), random.Next(3) switch { 0 => random.Next(1, 16 << 10), 1 => random.Next(1, 1 << 20), _ => random.Next(4 << 20, 6 << 20) }));
                paths.Add(path);
            }
            foreach (var result in await store.ImportFilesAsync(paths, random.Next(2) == 0 ? ImportMode.Copy : ImportMode.InPlace))
                Reported(result);
            break;
        }
        default:
        {
            var data = targets[random.Next(targets.Length)];
            var hash = Hasher.Hash(data);
            var missing = await store.MissingAsync(hash);
            if (missing.IsEmpty)
            {
                await store.DeleteAsync(hash);
                break;
            }
            var outboard = PreOrderOutboard.Create(data, store.BlockSize);
            var start = (ulong)random.Next(0, 3 << 10);
            var ranges = missing & ChunkRanges.Range(start, start + (ulong)random.Next(1, 1024));
            if (ranges.IsEmpty)
                ranges = missing;
            var encoded = new MemoryStream();
            using (var encoder = new RangeEncoder(data, outboard, ranges))
                encoder.WriteTo(encoded);
            encoded.Position = 0;
            await using var writer = await store.OpenWriterAsync(hash, outboard.Tree);
            using var decoder = new ResponseDecoder(hash, outboard.Tree, ranges, encoded, "crash helper");
            await writer.WriteAllAsync(decoder);
            break;
        }
    }
}

// Every import reported complete is named on stdout: the test checks that the store still has it after the kill.
static void Reported(ImportResult result)
{
    result.Dispose();
    Console.WriteLine($"complete {result.Hash.ToHex()}");
    Console.Out.Flush();
}

static byte[] Data(int seed, int length)
{
    var bytes = new byte[length];
    new Random(seed).NextBytes(bytes);
    return bytes;
}
