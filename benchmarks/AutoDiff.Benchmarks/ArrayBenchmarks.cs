using System;
using System.Linq;
using BenchmarkDotNet.Attributes;

namespace AutoDiff.Benchmarks
{
    // The array functions (ArrayFunctions.cs). One invocation is one call at a fixed input (a call
    // takes from 50 ns to a few hundred µs here, long enough to time one at a time), and the times
    // are per call. Primal is the baseline. The value and a few derivative entries go into the
    // return value; the rest of a gradient or Jacobian is written to memory, which the JIT cannot
    // drop either. The class names start with "Array" so that --filter '*Array*' and
    // --interleaved Array select exactly these.

    /// <summary>Deterministic inputs for the array benchmarks and <c>--verify</c>.</summary>
    public static class ArrayInputs
    {
        public static double[] Uniform(Random random, int count, double low, double high)
        {
            var values = new double[count];
            for (int i = 0; i < values.Length; i++) values[i] = low + (high - low) * random.NextDouble();
            return values;
        }

        public static double Normal(Random random)
        {
            // Box–Muller; 1 − U avoids log(0).
            double u = 1 - random.NextDouble(), v = random.NextDouble();
            return Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * v);
        }

        /// <summary>
        /// A logistic-regression problem: <paramref name="rows"/> × <paramref name="features"/>
        /// standard-normal features (row-major), labels drawn from a true model with weights
        /// N(0, 0.5²) and bias 0.3, and a weight vector and bias to evaluate the loss at (N(0, 0.3²)
        /// and 0.1, not the true ones).
        /// </summary>
        public static (double[] Data, double[] Labels, double[] Weights, double Bias) LogisticProblem(Random random, int rows, int features)
        {
            var data = new double[rows * features];
            for (int k = 0; k < data.Length; k++) data[k] = Normal(random);
            var truth = new double[features];
            for (int j = 0; j < features; j++) truth[j] = 0.5 * Normal(random);
            var labels = new double[rows];
            for (int r = 0; r < rows; r++)
            {
                double z = 0.3;
                for (int j = 0; j < features; j++) z += truth[j] * data[r * features + j];
                labels[r] = random.NextDouble() < 1 / (1 + Math.Exp(-z)) ? 1 : 0;
            }
            var weights = new double[features];
            for (int j = 0; j < features; j++) weights[j] = 0.3 * Normal(random);
            return (data, labels, weights, 0.1);
        }
    }

    /// <summary>Extended Rosenbrock over n elements: arithmetic only, n/2 independent pairs.</summary>
    public abstract class ArrayRosenbrockBenchmarks
    {
        protected abstract int Length { get; }
        double[] _x = null!, _xDot = null!, _dx = null!;

        [GlobalSetup]
        public void Setup()
        {
            var random = new Random(21);
            _x = ArrayInputs.Uniform(random, Length, -2, 2);
            _xDot = ArrayInputs.Uniform(random, Length, -1, 1);
            _dx = new double[Length];
        }

        [Benchmark(Baseline = true)]
        public double Primal() => ExtendedRosenbrock.Value(_x);

        [Benchmark]
        public double GeneratedGradient() => ExtendedRosenbrock.ValueGradient(_x, _dx) + _dx[0] + _dx[^1];

        [Benchmark]
        public double HandWrittenGradient() => ArrayHandWritten.ExtendedRosenbrockGradient(_x, _dx) + _dx[0] + _dx[^1];

        [Benchmark]
        public double GeneratedJvp() => ExtendedRosenbrock.ValueJvp(_x, _xDot, out double tangent) + tangent;
    }

    /// <summary>n = 1,000: x and the gradient (16 KB) stay in L1.</summary>
    [MemoryDiagnoser]
    public class ArrayRosenbrock1kBenchmarks : ArrayRosenbrockBenchmarks
    {
        protected override int Length => 1_000;
    }

    /// <summary>n = 100,000: x and the gradient (1.6 MB) do not fit in L2; the generated tape grows into pooled arrays.</summary>
    [MemoryDiagnoser]
    public class ArrayRosenbrock100kBenchmarks : ArrayRosenbrockBenchmarks
    {
        protected override int Length => 100_000;
    }

    /// <summary>Logistic-regression loss over 1,000 rows × 20 features, gradient in 20 weights and the bias.</summary>
    [MemoryDiagnoser]
    public class ArrayLogisticLossBenchmarks
    {
        public const int Rows = 1_000;
        public const int Features = 20;
        public const double L2 = 1e-3;
        double[] _data = null!, _labels = null!, _w = null!, _wDot = null!, _dw = null!;
        double _bias, _biasDot;

        [GlobalSetup]
        public void Setup()
        {
            var random = new Random(22);
            (_data, _labels, _w, _bias) = ArrayInputs.LogisticProblem(random, Rows, Features);
            _wDot = ArrayInputs.Uniform(random, Features, -1, 1);
            _biasDot = random.NextDouble() * 2 - 1;
            _dw = new double[Features];
        }

        [Benchmark(Baseline = true)]
        public double Primal() => LogisticLoss.Value(_w, _bias, _data, _labels, L2);

        [Benchmark]
        public double GeneratedGradient() =>
            LogisticLoss.ValueGradient(_w, _bias, _data, _labels, L2, _dw, out double dBias) + dBias + _dw[0];

        [Benchmark]
        public double HandWrittenGradient() =>
            ArrayHandWritten.LogisticLossGradient(_w, _bias, _data, _labels, L2, _dw, out double dBias) + dBias + _dw[0];

        [Benchmark]
        public double GeneratedJvp() =>
            LogisticLoss.ValueJvp(_w, _bias, _data, _labels, L2, _wDot, _biasDot, out double tangent) + tangent;
    }

    /// <summary>
    /// Lorenz-96 with n = 40: the dense 40×40 Jacobian of the tendency (generated: 40 forward
    /// sweeps), and the 40×41 Jacobian in (x, F) (generated: 40 reverse sweeps), against
    /// hand-written ones that fill the four non-zeros per row; one Jvp and one Vjp for scale.
    /// </summary>
    [MemoryDiagnoser]
    public class ArrayLorenz96JacobianBenchmarks
    {
        const int N = Lorenz96.Dimension;
        const double F = Lorenz96.Forcing;
        double[] _x = null!, _xDot = null!, _yBar = null!, _y = null!, _yDot = null!, _xBar = null!, _jacobian = null!, _jacobianWithForcing = null!;
        JacobianColoring _coloring = null!, _coloringWithForcing = null!;

        [GlobalSetup]
        public void Setup()
        {
            var random = new Random(23);
            _x = ArrayInputs.Uniform(random, N, -5, 10);
            _xDot = ArrayInputs.Uniform(random, N, -1, 1);
            _yBar = ArrayInputs.Uniform(random, N, -1, 1);
            _y = new double[N];
            _yDot = new double[N];
            _xBar = new double[N];
            _jacobian = new double[N * N];
            _jacobianWithForcing = new double[N * (N + 1)];
            // The pattern as a user would state it: row i reads x[i−2], x[i−1], x[i], x[i+1] (cyclic), and F.
            var pattern = Enumerable.Range(0, N).SelectMany(i => new[] { -2, -1, 0, 1 }.Select(d => (i, (i + d + N) % N))).ToList();
            _coloring = JacobianColoring.FromPattern(N, N, pattern);
            _coloringWithForcing = JacobianColoring.FromPattern(N, N + 1, pattern.Concat(Enumerable.Range(0, N).Select(i => (i, N))));
        }

        /// <summary>One TendencyJvp per color of the banded pattern: 4 sweeps instead of 40.</summary>
        [Benchmark]
        public double GeneratedColoredJacobian()
        {
            Lorenz96.TendencyJacobian(_x, F, _y, _jacobian, _coloring);
            return _y[0] + _jacobian[1];
        }

        /// <summary>With F active: 5 colors (F's column meets every row).</summary>
        [Benchmark]
        public double GeneratedColoredJacobianWithForcing()
        {
            Lorenz96.TendencyWithForcingJacobian(_x, F, _y, _jacobianWithForcing, _coloringWithForcing);
            return _y[0] + _jacobianWithForcing[1];
        }

        [Benchmark(Baseline = true)]
        public double Primal()
        {
            Lorenz96.Tendency(_x, F, _y);
            return _y[0];
        }

        /// <summary>n ≤ m: one TendencyJvp per column.</summary>
        [Benchmark]
        public double GeneratedJacobian()
        {
            Lorenz96.TendencyJacobian(_x, F, _y, _jacobian);
            return _y[0] + _jacobian[1];
        }

        [Benchmark]
        public double HandWrittenJacobian()
        {
            ArrayHandWritten.Lorenz96Jacobian(_x, F, _y, _jacobian);
            return _y[0] + _jacobian[1];
        }

        /// <summary>n + 1 > m: one TendencyWithForcingVjp per row.</summary>
        [Benchmark]
        public double GeneratedJacobianWithForcing()
        {
            Lorenz96.TendencyWithForcingJacobian(_x, F, _y, _jacobianWithForcing);
            return _y[0] + _jacobianWithForcing[1];
        }

        [Benchmark]
        public double HandWrittenJacobianWithForcing()
        {
            ArrayHandWritten.Lorenz96JacobianWithForcing(_x, F, _y, _jacobianWithForcing);
            return _y[0] + _jacobianWithForcing[1];
        }

        [Benchmark]
        public double GeneratedJvp()
        {
            Lorenz96.TendencyJvp(_x, F, _y, _xDot, _yDot);
            return _y[0] + _yDot[0];
        }

        /// <summary>Adds into x̄ on every call; only the time matters here.</summary>
        [Benchmark]
        public double GeneratedVjp()
        {
            Lorenz96.TendencyVjp(_x, F, _y, _yBar, _xBar);
            return _y[0] + _xBar[0];
        }
    }
}
