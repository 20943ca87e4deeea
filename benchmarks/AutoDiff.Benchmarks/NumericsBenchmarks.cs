using System;
using System.Numerics;
using BenchmarkDotNet.Attributes;

namespace AutoDiff.Benchmarks
{
    /// <summary>
    /// The <see cref="Vector3"/> mass–spring energy (<see cref="SpringSquare.Energy"/>): the primal, the generated gradient
    /// (four <see cref="Vector3"/> adjoints and ∂E/∂k), the hand-written gradient (<see cref="NumericsHandWritten"/>) and the
    /// generated Jvp, each at <see cref="PointsBenchmark.PointCount"/> configurations per invocation.
    /// </summary>
    [MemoryDiagnoser]
    public class NumericsSpringBenchmarks : PointsBenchmark
    {
        Vector3[] _p = null!, _pDot = null!;
        float[] _k = null!, _kDot = null!;

        static Vector3[] Positions(Random random, double spread)
        {
            // The corners of a unit square in the XZ plane, each moved by up to ±spread per component.
            Vector3[] corners = { new(0, 0, 0), new(1, 0, 0), new(1, 0, 1), new(0, 0, 1) };
            var p = new Vector3[4 * PointCount];
            for (int i = 0; i < p.Length; i++)
                p[i] = corners[i % 4] + new Vector3(
                    (float)(spread * (2 * random.NextDouble() - 1)),
                    (float)(spread * (2 * random.NextDouble() - 1)),
                    (float)(spread * (2 * random.NextDouble() - 1)));
            return p;
        }

        static float[] Floats(double[] values) => Array.ConvertAll(values, v => (float)v);

        [GlobalSetup]
        public void Setup()
        {
            var random = new Random(1);
            _p = Positions(random, 0.3);
            _pDot = Positions(random, 1.0);
            _k = Floats(Uniform(random, 1, 10));
            _kDot = Floats(Uniform(random, -1, 1));
        }

        [Benchmark(Baseline = true, OperationsPerInvoke = PointCount)]
        public double Primal()
        {
            float sum = 0;
            var p = _p;
            for (int i = 0; i < _k.Length; i++)
                sum += SpringSquare.Energy(p[4 * i], p[4 * i + 1], p[4 * i + 2], p[4 * i + 3], _k[i]);
            return sum;
        }

        [Benchmark(OperationsPerInvoke = PointCount)]
        public double GeneratedGradient()
        {
            float sum = 0;
            var p = _p;
            for (int i = 0; i < _k.Length; i++)
            {
                sum += SpringSquare.EnergyGradient(p[4 * i], p[4 * i + 1], p[4 * i + 2], p[4 * i + 3], _k[i],
                    out Vector3 d0, out Vector3 d1, out Vector3 d2, out Vector3 d3, out float dk);
                sum += (d0 + d1 + d2 + d3).X + dk;
            }
            return sum;
        }

        [Benchmark(OperationsPerInvoke = PointCount)]
        public double HandWrittenGradient()
        {
            float sum = 0;
            var p = _p;
            for (int i = 0; i < _k.Length; i++)
            {
                sum += NumericsHandWritten.SpringSquareGradient(p[4 * i], p[4 * i + 1], p[4 * i + 2], p[4 * i + 3], _k[i],
                    out Vector3 d0, out Vector3 d1, out Vector3 d2, out Vector3 d3, out float dk);
                sum += (d0 + d1 + d2 + d3).X + dk;
            }
            return sum;
        }

        [Benchmark(OperationsPerInvoke = PointCount)]
        public double GeneratedJvp()
        {
            float sum = 0;
            var p = _p;
            var d = _pDot;
            for (int i = 0; i < _k.Length; i++)
                sum += SpringSquare.EnergyJvp(p[4 * i], p[4 * i + 1], p[4 * i + 2], p[4 * i + 3], _k[i],
                    d[4 * i], d[4 * i + 1], d[4 * i + 2], d[4 * i + 3], _kDot[i], out float tangent) + tangent;
            return sum;
        }
    }
}
