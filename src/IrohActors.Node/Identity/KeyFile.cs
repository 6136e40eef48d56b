using System.Security.Cryptography;
using IrohActors.Store;

namespace IrohActors.Node.Identity;

/// <summary>
/// Stores a node's <see cref="SecretKey"/> as PKCS#8 PEM in its data directory. The file is created with
/// mode 0600 (never wider, not even for an instant) and a key file that group or others can access is refused.
/// </summary>
public static class KeyFile
{
    /// <summary>The key file's name inside a data directory.</summary>
    public const string FileName = "node.key";

    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerOnlyDirectory = OwnerOnlyFile | UnixFileMode.UserExecute;
    private const UnixFileMode GroupOrOthers =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>Loads the key from <paramref name="dataDirectory"/>, generating and saving a new one on first use.</summary>
    public static SecretKey LoadOrCreate(string dataDirectory)
    {
        StoreOptions.ThrowIfDataDirIsFile(dataDirectory);
        var path = Path.Combine(dataDirectory, FileName);
        if (File.Exists(path))
            return Load(path);
        if (OperatingSystem.IsWindows())
            Directory.CreateDirectory(dataDirectory);
        else
            Directory.CreateDirectory(dataDirectory, OwnerOnlyDirectory);
        var key = SecretKey.Generate();
        try
        {
            Save(key, path);
            return key;
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process created it between our check and our save: use theirs.
            key.Dispose();
            return Load(path);
        }
    }

    /// <summary>Loads a key file, refusing one that group or others can access.</summary>
    /// <exception cref="InsecureKeyFileException">The file mode allows group or others.</exception>
    /// <exception cref="KeyFileException">Missing, unreadable or not a P-256 PKCS#8 PEM key.</exception>
    public static SecretKey Load(string path)
    {
        if (!File.Exists(path))
            throw new KeyFileException(path, "key file does not exist");
        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(path);
            if ((mode & GroupOrOthers) != 0)
                throw new InsecureKeyFileException(path, mode);
        }
        string pem;
        try
        {
            pem = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KeyFileException(path, "cannot read key file: " + e.Message, e);
        }
        try
        {
            return SecretKey.FromPkcs8Pem(pem);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw new KeyFileException(path, "not a P-256 private key in PKCS#8 PEM form: " + e.Message, e);
        }
    }

    /// <summary>
    /// Writes the key to a new file at <paramref name="path"/>: a temporary file is created with mode 0600,
    /// written and flushed to disk, then moved into place, so readers never see a partial or open key file.
    /// </summary>
    /// <exception cref="IOException">The file already exists (keys are never overwritten).</exception>
    public static void Save(SecretKey key, string path)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (File.Exists(path))
            throw new KeyFileException(path, "key file already exists; refusing to overwrite a node key");
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = OwnerOnlyFile;
        try
        {
            using (var stream = new FileStream(temp, options))
            using (var writer = new StreamWriter(stream))
            {
                writer.Write(key.ExportPkcs8Pem());
                writer.Flush();
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: false);
        }
        finally
        {
            if (File.Exists(temp))
                File.Delete(temp);
        }
    }
}
