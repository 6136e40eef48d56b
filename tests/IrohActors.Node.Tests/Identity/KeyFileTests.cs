using System.Runtime.Versioning;
using IrohActors.Node.Identity;

namespace IrohActors.Node.Tests.Identity;

[UnsupportedOSPlatform("windows")]
public sealed class KeyFileTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "transport-keys-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
            Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void SaveAndLoadRoundTripWithMode0600()
    {
        using var key = SecretKey.Generate();
        Directory.CreateDirectory(_dir);
        var path = Path.Combine(_dir, "node.key");
        KeyFile.Save(key, path);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", File.ReadAllText(path));
        using var loaded = KeyFile.Load(path);
        Assert.Equal(key.NodeId, loaded.NodeId);
        var data = "x"u8.ToArray();
        Assert.True(key.PublicKey.Verify(data, loaded.Sign(data)));
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
    }

    [Fact]
    public void ADataDirectoryThatIsAFileIsNamedAsSuch()
    {
        Directory.CreateDirectory(_dir);
        var file = Path.Combine(_dir, "not-a-dir");
        File.WriteAllText(file, "x");
        var e = Assert.Throws<IOException>(() => KeyFile.LoadOrCreate(file));
        Assert.Equal($"the data directory {file} is a file, not a directory", e.Message);
        Assert.Equal("x", File.ReadAllText(file));
    }

    [Fact]
    public void LoadOrCreateCreatesOnceThenReusesTheKey()
    {
        using var first = KeyFile.LoadOrCreate(_dir);
        using var second = KeyFile.LoadOrCreate(_dir);
        Assert.Equal(first.NodeId, second.NodeId);
        var mode = File.GetUnixFileMode(_dir);
        Assert.Equal(UnixFileMode.None, mode & (UnixFileMode.GroupRead | UnixFileMode.OtherRead | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite));
    }

    [Theory]
    [InlineData(UnixFileMode.OtherRead)]
    [InlineData(UnixFileMode.GroupRead)]
    public void RefusesAKeyReadableByOthers(UnixFileMode extra)
    {
        using var key = KeyFile.LoadOrCreate(_dir);
        var path = Path.Combine(_dir, KeyFile.FileName);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | extra);
        var e = Assert.Throws<InsecureKeyFileException>(() => KeyFile.Load(path));
        Assert.Equal(path, e.Path);
        Assert.Contains(path, e.Message);
        Assert.Contains("chmod 600", e.Message);
        Assert.Throws<InsecureKeyFileException>(() => KeyFile.LoadOrCreate(_dir));
    }

    [Fact]
    public void RefusesToOverwriteAKey()
    {
        using var key = KeyFile.LoadOrCreate(_dir);
        using var other = SecretKey.Generate();
        Assert.Throws<KeyFileException>(() => KeyFile.Save(other, Path.Combine(_dir, KeyFile.FileName)));
        using var again = KeyFile.LoadOrCreate(_dir);
        Assert.Equal(key.NodeId, again.NodeId);
    }

    [Fact]
    public void AGarbageKeyFileNamesThePath()
    {
        Directory.CreateDirectory(_dir);
        var path = Path.Combine(_dir, "node.key");
        File.WriteAllText(path, "not a key");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var e = Assert.Throws<KeyFileException>(() => KeyFile.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("PKCS#8", e.Message);
    }

    [Fact]
    public void ANonP256KeyIsRefused()
    {
        Directory.CreateDirectory(_dir);
        var path = Path.Combine(_dir, "node.key");
        using var p384 = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP384);
        File.WriteAllText(path, p384.ExportPkcs8PrivateKeyPem());
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var e = Assert.Throws<KeyFileException>(() => KeyFile.Load(path));
        Assert.Contains("P-256", e.Message);
    }
}
