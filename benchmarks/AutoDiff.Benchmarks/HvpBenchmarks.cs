using System;
using BenchmarkDotNet.Attributes;

namespace AutoDiff.Benchmarks
{
    /// <summary>
    /// The Hessian-vector product of the extended Rosenbrock function (<c>ArrayFunctions.cs</c>)
    /// against its gradient, the baseline: forward-over-reverse H·v should cost a small multiple of
    /// one gradient (the target is within 4×). The hand-written H·v (<c>HvpHandWritten.cs</c>) is
    /// one fused pass over the pairs. Times are per call at a fixed input. The class name contains
    /// "Hvp", so --filter '*Hvp*' and --interleaved Hvp select it (--interleaved runs N = 1,000 only).
    /// </summary>
    [MemoryDiagnoser]
    public class HvpBenchmarks
    {
        [Params(1_000, 100_000)]
        public int N { get; set; } = 1_000;

        double[] _x = null!, _v = null!, _dx = null!, _hv = null!;

        [GlobalSetup]
        public void Setup()
        {
            var random = new Random(24);
            _x = ArrayInputs.Uniform(random, N, -2, 2);
            _v = ArrayInputs.Uniform(random, N, -1, 1);
            _dx = new double[N];
            _hv = new double[N];
        }

        [Benchmark(Baseline = true)]
        public double GeneratedGradient() => ExtendedRosenbrock.ValueGradient(_x, _dx) + _dx[0] + _dx[^1];

        [Benchmark]
        public double GeneratedHvp() => ExtendedRosenbrock.ValueHvp(_x, _v, _hv) + _hv[0] + _hv[^1];

        [Benchmark]
        public double HandWrittenHvp() => HvpHandWritten.ExtendedRosenbrockHvp(_x, _v, _hv) + _hv[0] + _hv[^1];
    }
}
