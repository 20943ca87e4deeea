using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;

namespace AutoDiff.Benchmarks
{
    /// <summary>
    /// <c>--interleaved [filter] [rounds] [cpu]</c>: a cross-check of BenchmarkDotNet that is less
    /// sensitive to other load on the machine. It runs every benchmark method whose class name
    /// contains the filter (default "Loop"; "Array" for the array benchmarks) in turn, about 5 ms
    /// at a time, for the given number of rounds (default 60), and reports the fastest round of
    /// each per point (per call for the array benchmarks), and its ratio to the
    /// class's baseline. Background load only ever slows a round down, so the minimum over rounds
    /// that interleave all the variants estimates what each costs on an idle core. It is not a
    /// substitute for BenchmarkDotNet's statistics, and it does not measure allocations. With <c>cpu</c> it times each
    /// round by the thread's CPU time instead of the wall clock (Linux), for a machine so loaded that few rounds run
    /// undisturbed.
    /// </summary>
    public static class Interleaved
    {
        public static void Run(string filter, int rounds, TextWriter output, bool cpuTime = false)
        {
            if (cpuTime && !ThreadCpuClock.Available)
            {
                output.WriteLine("// the thread CPU clock is not available here (Linux only): measuring wall-clock time");
                cpuTime = false;
            }
            var cases = new List<(string Class, string Method, Func<double> Run, int Operations, bool Baseline)>();
            foreach (Type type in typeof(Interleaved).Assembly.GetTypes()
                .Where(t => !t.IsAbstract && t.Name.Contains(filter, StringComparison.Ordinal)
                    && t.GetMethods().Any(m => m.GetCustomAttribute<BenchmarkAttribute>() != null))
                .OrderBy(t => t.Name, StringComparer.Ordinal))
            {
                // One instance per value of a [Params] property (the GMM inputs), each set up once.
                var parameter = type.GetProperties().FirstOrDefault(p => p.GetCustomAttribute<ParamsAttribute>() != null);
                var values = parameter?.GetCustomAttribute<ParamsAttribute>()!.Values ?? new object?[] { null };
                foreach (object? value in values)
                {
                    object instance = Activator.CreateInstance(type)!;
                    if (parameter != null) parameter.SetValue(instance, value);
                    foreach (MethodInfo setup in type.GetMethods().Where(m => m.GetCustomAttribute<GlobalSetupAttribute>() != null))
                        setup.Invoke(instance, null);
                    string name = type.Name.Replace("Benchmarks", "") + (parameter != null ? "(" + value + ")" : "");
                    foreach (MethodInfo method in type.GetMethods().Where(m => m.GetCustomAttribute<BenchmarkAttribute>() != null))
                    {
                        var attribute = method.GetCustomAttribute<BenchmarkAttribute>()!;
                        var run = (Func<double>)Delegate.CreateDelegate(typeof(Func<double>), instance, method);
                        cases.Add((name, method.Name, run, attribute.OperationsPerInvoke, attribute.Baseline));
                    }
                }
            }

            var best = Enumerable.Repeat(double.MaxValue, cases.Count).ToArray();
            double sink = 0;
            for (int round = 0; round < rounds; round++)
            {
                for (int c = 0; c < cases.Count; c++)
                {
                    int invocations = 0;
                    double elapsed;
                    if (cpuTime)
                    {
                        long start = ThreadCpuClock.Nanoseconds();
                        do { sink += cases[c].Run(); invocations++; } while ((elapsed = ThreadCpuClock.Nanoseconds() - start) < 5e6);
                    }
                    else
                    {
                        var watch = Stopwatch.StartNew();
                        do { sink += cases[c].Run(); invocations++; } while ((elapsed = watch.Elapsed.TotalMilliseconds * 1e6) < 5e6);
                    }
                    double nanosecondsPerPoint = elapsed / invocations / cases[c].Operations;
                    best[c] = Math.Min(best[c], nanosecondsPerPoint);
                }
            }

            output.WriteLine($"fastest of {rounds} interleaved rounds, per point, {(cpuTime ? "thread CPU time" : "wall-clock time")} (checksum {sink:G3})");
            for (int c = 0; c < cases.Count; c++)
            {
                int baseline = cases.FindIndex(x => x.Class == cases[c].Class && x.Baseline);
                string ratio = baseline < 0 ? "" : $"{best[c] / best[baseline],6:0.00}";
                output.WriteLine($"{cases[c].Class,-32} {cases[c].Method,-30} {Format(best[c]),12} {ratio}");
            }
        }

        /// <summary>
        /// The calling thread's CPU time (Linux <c>clock_gettime(CLOCK_THREAD_CPUTIME_ID)</c>, nanosecond resolution): time
        /// the thread waits for a core is not counted, so a loaded machine slows a round down far less than on the wall
        /// clock (it still pays for caches that other processes evict).
        /// </summary>
        static class ThreadCpuClock
        {
            const int ClockThreadCpuTimeId = 3;

            [StructLayout(LayoutKind.Sequential)]
            struct TimeSpec
            {
                public long Seconds;
                public long Nanoseconds;
            }

            [DllImport("libc", EntryPoint = "clock_gettime")]
            static extern int ClockGetTime(int clock, out TimeSpec time);

            public static bool Available { get; } = Probe();

            static bool Probe()
            {
                if (!OperatingSystem.IsLinux()) return false;
                try { return ClockGetTime(ClockThreadCpuTimeId, out _) == 0; }
                catch (DllNotFoundException) { return false; }
                catch (EntryPointNotFoundException) { return false; }
            }

            public static long Nanoseconds()
            {
                ClockGetTime(ClockThreadCpuTimeId, out var time);
                return time.Seconds * 1_000_000_000 + time.Nanoseconds;
            }
        }

        static string Format(double nanoseconds) =>
            nanoseconds >= 1000 ? $"{nanoseconds / 1000:0.00} us" : $"{nanoseconds:0.0} ns";
    }
}
