using AutoDiff.Functional.GradBench;

// A GradBench tool: one JSON message per line on stdin, one answer per line on stdout; logs go to stderr.
Tool.Serve(Console.In, Console.Out, Console.Error);
