namespace AutoDiff.Functional.Properties.Support;

/// <summary>Bytes allocated on the calling thread by an action, measured the way a bound on them can be asserted:
/// after a warm-up run (which compiles the path and fills caches and workspaces), as the least of several runs (the
/// runtime itself now and then allocates a few KB on the thread, a method tiering up mid-run, which is not the code's
/// doing). Counted bytes, never time.</summary>
public static class Allocations
{
    /// <summary>The least number of bytes <paramref name="run"/> allocates over <paramref name="runs"/> runs after one
    /// warm-up run.</summary>
    public static long Least(Action run, int runs = 3)
    {
        ArgumentNullException.ThrowIfNull(run);
        run();
        long least = long.MaxValue;
        for (int i = 0; i < runs; i++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            run();
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return least;
    }
}
