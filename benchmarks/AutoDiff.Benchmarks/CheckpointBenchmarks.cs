using System;
using System.Diagnostics;
using System.IO;
using BenchmarkDotNet.Attributes;

namespace AutoDiff.Benchmarks
{
    /// <summary>
    /// A 1,000,000-step ODE gradient with and without checkpointing (README, "Checkpointing"): explicit Euler on a
    /// Van der Pol oscillator, the same body three times: unchecked, every-k and binomial with 100 snapshots.
    /// </summary>
    public static partial class CheckpointOde
    {
        public const int Steps = 1_000_000;
        public const double TimeStep = 1e-5;

        [Differentiable(SecondOrder = false)]
        public static double Plain(double mu, double y0, double v0, int n)
        {
            double y = y0, v = v0;
            for (int i = 0; i < n; i++)
            {
                double a = mu * (1 - y * y) * v - y;
                y = y + TimeStep * v;
                v = v + TimeStep * a;
            }
            return y * y + v * v;
        }

        [Differentiable(SecondOrder = false, Checkpoints = 100)]
        public static double EveryK(double mu, double y0, double v0, int n)
        {
            double y = y0, v = v0;
            for (int i = 0; i < n; i++)
            {
                double a = mu * (1 - y * y) * v - y;
                y = y + TimeStep * v;
                v = v + TimeStep * a;
            }
            return y * y + v * v;
        }

        [Differentiable(SecondOrder = false, Checkpoints = 100, CheckpointPolicy = CheckpointPolicy.Binomial)]
        public static double Binomial(double mu, double y0, double v0, int n)
        {
            double y = y0, v = v0;
            for (int i = 0; i < n; i++)
            {
                double a = mu * (1 - y * y) * v - y;
                y = y + TimeStep * v;
                v = v + TimeStep * a;
            }
            return y * y + v * v;
        }

        /// <summary>
        /// For <c>--verify</c>: the checkpointed gradients against the unchecked one (1e-12 relative, at the benchmark's
        /// 1,000,000 steps and at trip counts around the snapshots), and the unchecked one against central differences.
        /// </summary>
        public static void Verify(Action<string, string, double, double, bool> check)
        {
            double worstEqual = 0, worstFd = 0;
            foreach (int n in new[] { 0, 1, 99, 100, 101, 1000, 12345, Steps })
            {
                double[] Grad(string which)
                {
                    double a, b, c;
                    double v = which == "none" ? PlainGradient(1.5, 0.8, 0.1, n, out a, out b, out c)
                        : which == "everyk" ? EveryKGradient(1.5, 0.8, 0.1, n, out a, out b, out c)
                        : BinomialGradient(1.5, 0.8, 0.1, n, out a, out b, out c);
                    return new[] { v, a, b, c };
                }
                var plain = Grad("none");
                foreach (var other in new[] { Grad("everyk"), Grad("binomial") })
                {
                    for (int i = 0; i < 4; i++) worstEqual = Math.Max(worstEqual, Math.Abs(other[i] - plain[i]) / Math.Max(1, Math.Abs(plain[i])));
                }
                if (n > 20000) continue;
                var point = new[] { 1.5, 0.8, 0.1 };
                var fd = GradientCheck.FiniteDifferenceGradient(p => Plain(p[0], p[1], p[2], n), point);
                for (int i = 0; i < 3; i++) worstFd = Math.Max(worstFd, Math.Abs(fd[i] - plain[i + 1]) / Math.Max(1, Math.Abs(fd[i])));
            }
            check("CheckpointOde", "every-k, binomial vs unchecked Gradient", worstEqual, 1e-12, true);
            check("CheckpointOde", "Gradient vs finite differences", worstFd, 1e-6, true);
        }

        /// <summary>
        /// <c>--checkpoint-memory none|everyk|binomial|primal</c>: one gradient in this (fresh) process: the bytes its first call allocates
        /// (the tapes growing from the pool: their size), the process's peak working set, the fastest of 5 later calls, and
        /// the gradient, which must equal the unchecked one. Run each variant in its own process (benchmarks/README.md).
        /// </summary>
        public static int Measure(string variant, TextWriter output)
        {
            var gradient = variant switch
            {
                "none" => (Func<double[]>)(() => { double v = PlainGradient(1.5, 0.8, 0.1, Steps, out var a, out var b, out var c); return new[] { v, a, b, c }; }),
                "everyk" => () => { double v = EveryKGradient(1.5, 0.8, 0.1, Steps, out var a, out var b, out var c); return new[] { v, a, b, c }; },
                "binomial" => () => { double v = BinomialGradient(1.5, 0.8, 0.1, Steps, out var a, out var b, out var c); return new[] { v, a, b, c }; },
                "primal" => () => new[] { Plain(1.5, 0.8, 0.1, Steps) },
                _ => null,
            };
            if (gradient == null)
            {
                output.WriteLine("--checkpoint-memory none|everyk|binomial|primal");
                return 1;
            }
            long before = GC.GetAllocatedBytesForCurrentThread();
            var result = gradient();
            long firstCall = GC.GetAllocatedBytesForCurrentThread() - before;
            double best = double.MaxValue;
            for (int r = 0; r < 5; r++)
            {
                var watch = Stopwatch.StartNew();
                result = gradient();
                best = Math.Min(best, watch.Elapsed.TotalMilliseconds);
            }
            before = GC.GetAllocatedBytesForCurrentThread();
            gradient();
            long steady = GC.GetAllocatedBytesForCurrentThread() - before;
            using var process = Process.GetCurrentProcess();
            process.Refresh();
            output.WriteLine($"{variant,-7} first call allocates {firstCall / 1024.0 / 1024.0,8:F2} MB, later calls {steady} B, peak working set {process.PeakWorkingSet64 / 1024.0 / 1024.0,7:F1} MB, fastest of 5 {best,8:F2} ms, result [{string.Join(", ", Array.ConvertAll(result, x => x.ToString("R")))}]");
            return 0;
        }
    }

    /// <summary>The ODE's primal against its gradient without checkpointing, and with every-k and binomial checkpointing (100 snapshots).</summary>
    [MemoryDiagnoser]
    public class CheckpointBenchmarks
    {
        [Benchmark(Baseline = true)]
        public double Primal() => CheckpointOde.Plain(1.5, 0.8, 0.1, CheckpointOde.Steps);

        [Benchmark]
        public double GradientUnchecked() => CheckpointOde.PlainGradient(1.5, 0.8, 0.1, CheckpointOde.Steps, out var a, out var b, out var c) + a + b + c;

        [Benchmark]
        public double GradientEveryK() => CheckpointOde.EveryKGradient(1.5, 0.8, 0.1, CheckpointOde.Steps, out var a, out var b, out var c) + a + b + c;

        [Benchmark]
        public double GradientBinomial() => CheckpointOde.BinomialGradient(1.5, 0.8, 0.1, CheckpointOde.Steps, out var a, out var b, out var c) + a + b + c;
    }
}
