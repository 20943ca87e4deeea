using System;
using BenchmarkDotNet.Attributes;

namespace AutoDiff.Benchmarks
{
    // The loop functions (LoopFunctions.cs), measured like the straight-line ones (Benchmarks.cs):
    // Primal is the baseline, each invocation covers a fixed set of pseudo-random points and the
    // time is reported per point, every value and derivative is summed into the result.
    // GeneratedJvp is one directional derivative along a random direction in all active
    // parameters at once; a full gradient by forward mode costs one Jvp per active parameter.
    // The class names start with "Loop" so that --filter '*Loop*' selects exactly these.

    /// <summary>Inputs for the loop benchmarks; fewer points per invocation where one point is costly.</summary>
    public abstract class LoopPointsBenchmark
    {
        protected static double[] Uniform(Random random, int count, double low, double high)
        {
            var values = new double[count];
            for (int i = 0; i < values.Length; i++) values[i] = low + (high - low) * random.NextDouble();
            return values;
        }
    }

    /// <summary>1,000 semi-implicit Euler steps per point, 9 flops each; the reverse sweep needs every state.</summary>
    [MemoryDiagnoser]
    public class LoopDampedOscillatorBenchmarks : LoopPointsBenchmark
    {
        public const int PointCount = 64;
        const double Dt = DampedOscillator.TimeStep;
        const int Steps = DampedOscillator.Steps;
        double[] _k = null!, _c = null!, _x0 = null!, _kDot = null!, _cDot = null!, _x0Dot = null!;

        [GlobalSetup]
        public void Setup()
        {
            var random = new Random(11);
            _k = Uniform(random, PointCount, 0.5, 4); _c = Uniform(random, PointCount, 0.05, 0.5); _x0 = Uniform(random, PointCount, -2, 2);
            _kDot = Uniform(random, PointCount, -1, 1); _cDot = Uniform(random, PointCount, -1, 1); _x0Dot = Uniform(random, PointCount, -1, 1);
        }

        [Benchmark(Baseline = true, OperationsPerInvoke = PointCount)]
        public double Primal()
        {
            double sum = 0;
            for (int i = 0; i < _k.Length; i++)
                sum += DampedOscillator.Loss(_k[i], _c[i], _x0[i], Dt, Steps);
            return sum;
        }

        [Benchmark(OperationsPerInvoke = PointCount)]
        public double GeneratedGradient()
        {
            double sum = 0;
            for (int i = 0; i < _k.Length; i++)
                sum += DampedOscillator.LossGradient(_k[i], _c[i], _x0[i], Dt, Steps, out double dk, out double dc, out double dx0) + dk + dc + dx0;
            return sum;
        }

        [Benchmark(OperationsPerInvoke = PointCount)]
        public double HandWrittenGradient()
        {
            double sum = 0;
            for (int i = 0; i < _k.Length; i++)
                sum += LoopHandWritten.DampedOscillatorLossGradient(_k[i], _c[i], _x0[i], Dt, Steps, out double dk, out double dc, out double dx0) + dk + dc + dx0;
            return sum;
        }

        [Benchmark(OperationsPerInvoke = PointCount)]
        public double GeneratedJvp()
        {
            double sum = 0;
            for (int i = 0; i < _k.Length; i++)
                sum += DampedOscillator.LossJvp(_k[i], _c[i], _x0[i], Dt, Steps, _kDot[i], _cDot[i], _x0Dot[i], out double tangent) + tangent;
            return sum;
        }
    }

    /// <summary>Newton on Kepler's equation: a data-dependent while with Sin and Cos in its body (2–7 steps).</summary>
    [MemoryDiagnoser]
    public class LoopKeplerBenchmarks : LoopPointsBenchmark
    {
        public const int PointCount = 1024;
        double[] _m = null!, _e = null!, _mDot = null!, _eDot = null!;

        [GlobalSetup]
        public void Setup()
        {
            var random = new Random(12);
            _m = Uniform(random, PointCount, 0, 2 * Math.PI); _e = Uniform(random, PointCount, 0, 0.8);
            _mDot = Uniform(random, PointCount, -1, 1); _eDot = Uniform(random, PointCount, -1, 1);
        }

        [Benchmark(Baseline = true, OperationsPerInvoke = PointCount)]
        public double Primal()
        {
            double sum = 0;
            for (int i = 0; i < _m.Length; i++)
                sum += Kepler.EccentricAnomaly(_m[i], _e[i]);
            return sum;
        }

        [Benchmark(OperationsPerInvoke = PointCount)]
        public double GeneratedGradient()
        {
            double sum = 0;
            for (int i = 0; i < _m.Length; i++)
                sum += Kepler.EccentricAnomalyGradient(_m[i], _e[i], out double dm, out double de) + dm + de;
            return sum;
        }

        /// <summary>The reverse of the same iterations (the like-for-like comparison).</summary>
        [Benchmark(OperationsPerInvoke = PointCount)]
        public double HandWrittenGradient()
        {
            double sum = 0;
            for (int i = 0; i < _m.Length; i++)
                sum += LoopHandWritten.KeplerGradient(_m[i], _e[i], out double dm, out double de) + dm + de;
            return sum;
        }

        /// <summary>A different algorithm: the implicit-function derivative at the root.</summary>
        [Benchmark(OperationsPerInvoke = PointCount)]
        public double HandWrittenImplicitGradient()
        {
            double sum = 0;
            for (int i = 0; i < _m.Length; i++)
                sum += LoopHandWritten.KeplerImplicitGradient(_m[i], _e[i], out double dm, out double de) + dm + de;
            return sum;
        }

        [Benchmark(OperationsPerInvoke = PointCount)]
        public double GeneratedJvp()
        {
            double sum = 0;
            for (int i = 0; i < _m.Length; i++)
                sum += Kepler.EccentricAnomalyJvp(_m[i], _e[i], _mDot[i], _eDot[i], out double tangent) + tangent;
            return sum;
        }
    }

    /// <summary>Horner's rule over 100 terms, one division per term: arithmetic only.</summary>
    [MemoryDiagnoser]
    public class LoopLerchSeriesBenchmarks : LoopPointsBenchmark
    {
        public const int PointCount = 256;
        const int Terms = LerchSeries.Terms;
        double[] _x = null!, _s = null!, _xDot = null!, _sDot = null!;

        [GlobalSetup]
        public void Setup()
        {
            var random = new Random(13);
            _x = Uniform(random, PointCount, -0.95, 0.95); _s = Uniform(random, PointCount, 0.5, 3);
            _xDot = Uniform(random, PointCount, -1, 1); _sDot = Uniform(random, PointCount, -1, 1);
        }

        [Benchmark(Baseline = true, OperationsPerInvoke = PointCount)]
        public double Primal()
        {
            double sum = 0;
            for (int i = 0; i < _x.Length; i++)
                sum += LerchSeries.Value(_x[i], _s[i], Terms);
            return sum;
        }

        [Benchmark(OperationsPerInvoke = PointCount)]
        public double GeneratedGradient()
        {
            double sum = 0;
            for (int i = 0; i < _x.Length; i++)
                sum += LerchSeries.ValueGradient(_x[i], _s[i], Terms, out double dx, out double ds) + dx + ds;
            return sum;
        }

        [Benchmark(OperationsPerInvoke = PointCount)]
        public double HandWrittenGradient()
        {
            double sum = 0;
            for (int i = 0; i < _x.Length; i++)
                sum += LoopHandWritten.LerchSeriesGradient(_x[i], _s[i], Terms, out double dx, out double ds) + dx + ds;
            return sum;
        }

        [Benchmark(OperationsPerInvoke = PointCount)]
        public double GeneratedJvp()
        {
            double sum = 0;
            for (int i = 0; i < _x.Length; i++)
                sum += LerchSeries.ValueJvp(_x[i], _s[i], Terms, _xDot[i], _sDot[i], out double tangent) + tangent;
            return sum;
        }
    }
}
