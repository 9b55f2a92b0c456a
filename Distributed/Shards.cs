namespace AutoDiff.Functional.Distributed;

/// <summary>What the drivers share: one call to every shard, answered in shard order or failed by name.</summary>
static class Shards
{
    /// <summary>Every shard's answer to <paramref name="call"/> in shard order 0 … <paramref name="count"/> − 1, or an
    /// error from <paramref name="driver"/> naming the phase (<paramref name="what"/>) and the shards that failed or did
    /// not answer within <paramref name="timeout"/>: never a hang.</summary>
    public static async Task<T[]> Gather<T>(string driver, string what, int count, TimeSpan timeout, Func<int, Task<T>> call)
    {
        var tasks = Enumerable.Range(0, count).Select(call).ToArray();
        var all = Task.WhenAll(tasks);
        if (await Task.WhenAny(all, Task.Delay(timeout)) != all)
            throw new TimeoutException($"{driver}: {what}: shards {string.Join(", ", Enumerable.Range(0, tasks.Length).Where(w => !tasks[w].IsCompleted))} did not answer within {timeout.TotalSeconds} s");
        var failed = Enumerable.Range(0, tasks.Length).Where(w => tasks[w].IsFaulted).ToArray();
        if (failed.Length > 0)
            throw new InvalidOperationException($"{driver}: {what}: shard {failed[0]} failed: {tasks[failed[0]].Exception!.InnerException!.Message}", tasks[failed[0]].Exception!.InnerException);
        return all.Result;
    }
}
