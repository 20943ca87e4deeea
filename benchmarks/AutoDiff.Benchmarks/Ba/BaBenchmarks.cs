using System;
using BenchmarkDotNet.Attributes;

namespace AutoDiff.Benchmarks
{
    /// <summary>
    /// ADBench BA's per-observation work (<see cref="Ba.ReprojectionError"/>, <see cref="BaData"/>): the residual
    /// (baseline), the generated 2 × 15 <c>ReprojectionErrorJacobian</c>, the same Jacobian from two direct calls of the
    /// generated Vjp with stack buffers (what the Jacobian should cost), the forward Jacobian from batched
    /// <c>ReprojectionErrorJvpBatch</c> sweeps (<see cref="BaBatched"/>), and the hand-written Jacobian
    /// (<see cref="BaHandWritten"/>). Each invocation runs every observation of the input once; times are per observation.
    /// </summary>
    [MemoryDiagnoser]
    public class BaBenchmarks
    {
        const int Observations = 10;

        BaData _data = null!;
        readonly double[] _err = new double[2];
        readonly double[] _jacobian = new double[2 * Ba.Columns];

        [GlobalSetup]
        public void Setup()
        {
            _data = BaData.LoadOrGenerate();
            if (_data.P != Observations) throw new InvalidOperationException($"the benchmark expects {Observations} observations: {_data}");
            Console.WriteLine($"// BA input: {_data}");
        }

        [Benchmark(Baseline = true, OperationsPerInvoke = Observations)]
        public double Objective()
        {
            double sum = 0;
            for (int i = 0; i < Observations; i++)
            {
                Ba.ReprojectionError(_data.CamOf(i), _data.PointOf(i), _data.W[i], _data.Feats[2 * i], _data.Feats[2 * i + 1], _err);
                sum += _err[0] + _err[1];
            }
            return sum;
        }

        [Benchmark(OperationsPerInvoke = Observations)]
        public double GeneratedJacobian()
        {
            double sum = 0;
            for (int i = 0; i < Observations; i++)
            {
                Ba.ReprojectionErrorJacobian(_data.CamOf(i), _data.PointOf(i), _data.W[i], _data.Feats[2 * i], _data.Feats[2 * i + 1], _err, _jacobian);
                sum += _jacobian[0] + _jacobian[^1];
            }
            return sum;
        }

        /// <summary>The Jacobian's rows from two Vjp calls seeded with unit cotangents, all buffers on the stack.</summary>
        [Benchmark(OperationsPerInvoke = Observations)]
        public double TwoVjps()
        {
            double sum = 0;
            Span<double> seed = stackalloc double[2];
            Span<double> camAdj = stackalloc double[11];
            Span<double> xAdj = stackalloc double[3];
            for (int i = 0; i < Observations; i++)
            {
                for (int row = 0; row < 2; row++)
                {
                    seed.Clear();
                    seed[row] = 1;
                    camAdj.Clear();
                    xAdj.Clear();
                    double wAdj = 0;
                    Ba.ReprojectionErrorVjp(_data.CamOf(i), _data.PointOf(i), _data.W[i], _data.Feats[2 * i], _data.Feats[2 * i + 1], _err, seed, camAdj, xAdj, ref wAdj);
                    var target = _jacobian.AsSpan(row * Ba.Columns);
                    camAdj.CopyTo(target);
                    xAdj.CopyTo(target.Slice(11));
                    target[14] = wAdj;
                }
                sum += _jacobian[0] + _jacobian[^1];
            }
            return sum;
        }

        /// <summary>The Jacobian's 15 columns from four <c>JvpBatch</c> sweeps of four lanes (the last one of three), buffers on the stack.</summary>
        [Benchmark(OperationsPerInvoke = Observations)]
        public double BatchedForwardJacobian()
        {
            double sum = 0;
            for (int i = 0; i < Observations; i++)
            {
                BaBatched.Jacobian(_data.CamOf(i), _data.PointOf(i), _data.W[i], _data.Feats[2 * i], _data.Feats[2 * i + 1], _err, _jacobian);
                sum += _jacobian[0] + _jacobian[^1];
            }
            return sum;
        }

        [Benchmark(OperationsPerInvoke = Observations)]
        public double HandWrittenJacobian()
        {
            double sum = 0;
            for (int i = 0; i < Observations; i++)
            {
                BaHandWritten.Jacobian(_data.CamOf(i), _data.PointOf(i), _data.W[i], _data.Feats[2 * i], _data.Feats[2 * i + 1], _err, _jacobian);
                sum += _jacobian[0] + _jacobian[^1];
            }
            return sum;
        }
    }
}

namespace AutoDiff.Benchmarks
{
    /// <summary>BA's 2 × 15 Jacobian by vector forward mode: <see cref="Ba.ReprojectionErrorJvpBatch"/> over four columns at a time.</summary>
    public static class BaBatched
    {
        public static void Jacobian(ReadOnlySpan<double> cam, ReadOnlySpan<double> x, double w, double featureX, double featureY, Span<double> err, Span<double> jacobian)
        {
            const int lanes = 4;
            Span<double> camDot = stackalloc double[lanes * 11];
            Span<double> xDot = stackalloc double[lanes * 3];
            Span<double> wDot = stackalloc double[lanes];
            Span<double> errDot = stackalloc double[lanes * 2];
            for (int start = 0; start < Ba.Columns; start += lanes)
            {
                camDot.Clear();
                xDot.Clear();
                wDot.Clear();
                for (int lane = 0; lane < lanes && start + lane < Ba.Columns; lane++)
                {
                    int column = start + lane;
                    if (column < 11) camDot[lane * 11 + column] = 1;
                    else if (column < 14) xDot[lane * 3 + column - 11] = 1;
                    else wDot[lane] = 1;
                }
                Ba.ReprojectionErrorJvpBatch(cam, x, w, featureX, featureY, err, camDot, xDot, wDot, errDot);
                for (int lane = 0; lane < lanes && start + lane < Ba.Columns; lane++)
                {
                    jacobian[start + lane] = errDot[lane * 2];
                    jacobian[Ba.Columns + start + lane] = errDot[lane * 2 + 1];
                }
            }
        }
    }
}
