using IrohActors.Blake3;
using SQLitePCL;

namespace IrohActors.Store.Backends;

/// <summary>
/// The group commit's row writes as raw prepared SQLite statements (bound from spans, no per-row parameter
/// objects): a batch of a thousand imports spends its time in SQLite, not in binding. Used under the backend's
/// lock, inside its transaction.
/// </summary>
internal sealed class RowWriter : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _upsert;
    private readonly sqlite3_stmt _inlineData;
    private readonly sqlite3_stmt _inlineOutboard;
    private readonly sqlite3_stmt _deleteInlineData;
    private readonly sqlite3_stmt _deleteInlineOutboard;

    public RowWriter(sqlite3 db)
    {
        _db = db;
        _upsert = Prepare("""
            INSERT OR REPLACE INTO blobs(hash, state, size, size_proved, data_loc, outboard_loc, ranges, ext_path, ext_length, ext_mtime)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
            """);
        _inlineData = Prepare("INSERT OR REPLACE INTO inline_data(hash, data) VALUES (?1, ?2)");
        _inlineOutboard = Prepare("INSERT OR REPLACE INTO inline_outboard(hash, data) VALUES (?1, ?2)");
        _deleteInlineData = Prepare("DELETE FROM inline_data WHERE hash = ?1");
        _deleteInlineOutboard = Prepare("DELETE FROM inline_outboard WHERE hash = ?1");
    }

    /// <summary>Inserts or replaces one blob row.</summary>
    public void Upsert(Entry e, byte[] ranges)
    {
        Span<byte> hash = stackalloc byte[Hash.Size];
        e.Hash.CopyTo(hash);
        raw.sqlite3_bind_blob(_upsert, 1, hash);
        raw.sqlite3_bind_int(_upsert, 2, (int)e.State);
        raw.sqlite3_bind_int64(_upsert, 3, (long)e.Size);
        raw.sqlite3_bind_int(_upsert, 4, e.SizeProved ? 1 : 0);
        raw.sqlite3_bind_int(_upsert, 5, (int)e.Data);
        raw.sqlite3_bind_int(_upsert, 6, (int)e.Outboard);
        raw.sqlite3_bind_blob(_upsert, 7, ranges);
        if (e.ExternalPath is null)
            raw.sqlite3_bind_null(_upsert, 8);
        else
            raw.sqlite3_bind_text(_upsert, 8, e.ExternalPath);
        raw.sqlite3_bind_int64(_upsert, 9, e.ExternalLength);
        raw.sqlite3_bind_int64(_upsert, 10, e.ExternalMtime);
        Run(_upsert, e.Hash);
    }

    /// <summary>Sets (or with null removes) a blob's inline data or outboard.</summary>
    public void SetInline(bool outboard, Hash hash, byte[]? bytes)
    {
        Span<byte> key = stackalloc byte[Hash.Size];
        hash.CopyTo(key);
        var stmt = bytes is null
            ? outboard ? _deleteInlineOutboard : _deleteInlineData
            : outboard ? _inlineOutboard : _inlineData;
        raw.sqlite3_bind_blob(stmt, 1, key);
        if (bytes is not null)
            raw.sqlite3_bind_blob(stmt, 2, bytes);
        Run(stmt, hash);
    }

    private void Run(sqlite3_stmt stmt, Hash hash)
    {
        var rc = raw.sqlite3_step(stmt);
        raw.sqlite3_reset(stmt);
        raw.sqlite3_clear_bindings(stmt);
        if (rc != raw.SQLITE_DONE)
            throw new IOException($"blob {hash}: writing its row failed: {raw.sqlite3_errmsg(_db).utf8_to_string()} (SQLite {rc})");
    }

    private sqlite3_stmt Prepare(string sql)
    {
        var rc = raw.sqlite3_prepare_v2(_db, sql, out var stmt);
        if (rc != raw.SQLITE_OK)
            throw new InvalidOperationException($"preparing '{sql}' failed: {raw.sqlite3_errmsg(_db).utf8_to_string()} (SQLite {rc})");
        return stmt;
    }

    public void Dispose()
    {
        _upsert.Dispose();
        _inlineData.Dispose();
        _inlineOutboard.Dispose();
        _deleteInlineData.Dispose();
        _deleteInlineOutboard.Dispose();
    }
}
