using AutoDiff.Functional.Report;

namespace AutoDiff.Functional.Bench;

/// <summary>The wall-clock half of the seed's mistake 4 (<c>dotnet Bench.dll --median-check</c>): a first call that
/// sleeps 300 ms, standing for compilation, must not be timed by the report's <c>MedianMs</c>. The unit test checks
/// which calls are timed with a stand-in clock; this measures it, on a quiet machine.</summary>
static class MedianCheck
{
    public static int Run()
    {
        int calls = 0;
        void Action()
        {
            if (calls++ == 0) Thread.Sleep(300);
        }
        double ms = ReportWriter.MedianMs(Action, warmup: 0, repeats: 1);
        bool ok = calls == 2 && ms < 150;
        Console.WriteLine($"MedianMs with a 300 ms first call: {ms:F3} ms over {calls} calls: {(ok ? "ok, the first call was not timed" : "FAIL, the first call was timed")}");
        return ok ? 0 : 1;
    }
}
