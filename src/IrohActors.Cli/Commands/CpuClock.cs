using System.Runtime.InteropServices;

namespace IrohActors.Cli.Commands;

/// <summary>CPU time of the calling thread, or of the waited-for child processes, from Linux <c>getrusage</c>.</summary>
internal static partial class CpuClock
{
    private const int RusageChildren = -1;
    private const int RusageThread = 1;

    /// <summary>User + system CPU seconds of the calling thread so far; NaN off Linux.</summary>
    public static double Thread() => Seconds(RusageThread);

    /// <summary>User + system CPU seconds of every child process waited for so far; NaN off Linux.</summary>
    public static double Children() => Seconds(RusageChildren);

    private static double Seconds(int who)
    {
        if (!OperatingSystem.IsLinux() || GetRusage(who, out var usage) != 0)
            return double.NaN;
        return usage.UserSec + usage.UserUsec / 1e6 + usage.SysSec + usage.SysUsec / 1e6;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Rusage
    {
        public long UserSec, UserUsec, SysSec, SysUsec;
        public long MaxRss, IxRss, IdRss, IsRss, MinFlt, MajFlt, NSwap, InBlock, OuBlock, MsgSnd, MsgRcv, NSignals, NVcsw, NIvcsw;
    }

    [LibraryImport("libc", EntryPoint = "getrusage")]
    private static partial int GetRusage(int who, out Rusage usage);
}
