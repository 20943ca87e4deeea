using System;
using BenchmarkDotNet.Attributes;

namespace AutoDiff.Benchmarks
{
    // Each class measures one function four ways: the primal alone (the baseline, so the Ratio
    // column reads "cost in calls of f"), the generated gradient, a hand-written gradient, and
    // the generated forward mode (one directional derivative).
    //
    // One benchmark invocation evaluates the function at PointCount different inputs and reports
    // the time per point (OperationsPerInvoke). A single call of Rosenbrock takes well under a
    // nanosecond, below what a per-call measurement can resolve; and varied inputs are what a
    // gradient is used for. Inputs come from arrays filled in GlobalSetup, so the JIT cannot fold
    // them; every result (value and derivatives) is summed into the return value, so it cannot
    // drop the work. The sum costs the derivative variants one addition per derivative more than
    // the primal, which is part of what they are charged.

    /// <summary>Fixed pseudo-random inputs shared by the benchmark classes.</summary>
    public abstract class PointsBenchmark
    {
        public const int PointCount = 1024;

        protected static double[] Uniform(Random random, double low, double high)
        {
            var values = new double[PointCount];
            for (int i = 0; i < values.Length; i++) values[i] = low + (high - low) * random.NextDouble();
            return values;
        }
    }

    [MemoryDiagnoser]
    public class RosenbrockBenchmarks : PointsBenchmark
    {
        double[] _x = null!, _y = null!, _xDot = null!, _yDot = null!;

        [GlobalSetup]
        public void Setup()
        {
            var random = new Random(1);
            _x = Uniform(random, -2, 2); _y = Uniform(random, -1, 3);
            _xDot = Uniform(random, -1, 1); _yDot = Uniform(random, -1, 1);
        }

        [Benchmark(Baseline = true, OperationsPerInvoke = PointCount)]
        public double Primal()
        {
            double sum = 0;
            for (int i = 0; i < _x.Length; i++)
                sum += Rosenbrock.Value(_x[i], _y[i]);
            return sum;
        }

        [Benchmark(OperationsPerInvoke = PointCount)]
        public double GeneratedGradient()
        {
            double sum = 0;
            for (int i = 0; i < _x.Length; i++)
                sum += Rosenbrock.ValueGradient(_x[i], _y[i], out double dx, out double dy) + dx + dy;
            return sum;
        }

        [Benchmark(OperationsPerInvoke = PointCount)]
        public double HandWrittenGradient()
        {
            double sum = 0;
            for (int i = 0; i < _x.Length; i++)
                sum += HandWritten.RosenbrockGradient(_x[i], _y[i], out double dx, out double dy) + dx + dy;
            return sum;
        }

        [Benchmark(OperationsPerInvoke = PointCount)]
        public double GeneratedJvp()
        {
            double sum = 0;
            for (int i = 0; i < _x.Length; i++)
                sum += Rosenbrock.ValueJvp(_x[i], _y[i], _xDot[i], _yDot[i], out double tangent) + tangent;
            return sum;
        }
    }

    [MemoryDiagnoser]
    public class TwoLinkArmBenchmarks : PointsBenchmark
    {
        readonly TwoLinkArm _arm = new TwoLinkArm(1.0, 0.7);
        double[] _theta1 = null!, _theta2 = null!, _targetX = null!, _targetY = null!, _theta1Dot = null!, _theta2Dot = null!;

        [GlobalSetup]
        public void Setup()
        {
            var random = new Random(2);
            _theta1 = Uniform(random, -Math.PI, Math.PI); _theta2 = Uniform(random, -Math.PI, Math.PI);
            _targetX = Uniform(random, -1.5, 1.5); _targetY = Uniform(random, -1.5, 1.5);
            _theta1Dot = Uniform(random, -1, 1); _theta2Dot = Uniform(random, -1, 1);
        }

        [Benchmark(Baseline = true, OperationsPerInvoke = PointCount)]
        public double Primal()
        {
            double sum = 0;
            for (int i = 0; i < _theta1.Length; i++)
                sum += _arm.SquaredDistance(_theta1[i], _theta2[i], _targetX[i], _targetY[i]);
            return sum;
        }

        [Benchmark(OperationsPerInvoke = PointCount)]
        public double GeneratedGradient()
        {
            double sum = 0;
            for (int i = 0; i < _theta1.Length; i++)
                sum += _arm.SquaredDistanceGradient(_theta1[i], _theta2[i], _targetX[i], _targetY[i], out double d1, out double d2) + d1 + d2;
            return sum;
        }

        [Benchmark(OperationsPerInvoke = PointCount)]
        public double HandWrittenGradient()
        {
            double sum = 0;
            for (int i = 0; i < _theta1.Length; i++)
                sum += HandWritten.TwoLinkArmGradient(_arm, _theta1[i], _theta2[i], _targetX[i], _targetY[i], out double d1, out double d2) + d1 + d2;
            return sum;
        }

        [Benchmark(OperationsPerInvoke = PointCount)]
        public double GeneratedJvp()
        {
            double sum = 0;
            for (int i = 0; i < _theta1.Length; i++)
                sum += _arm.SquaredDistanceJvp(_theta1[i], _theta2[i], _targetX[i], _targetY[i], _theta1Dot[i], _theta2Dot[i], out double tangent) + tangent;
            return sum;
        }
    }

    [MemoryDiagnoser]
    public class CallOptionBenchmarks : PointsBenchmark
    {
        double[] _spot = null!, _strike = null!, _years = null!, _rate = null!, _volatility = null!;
        double[] _spotDot = null!, _strikeDot = null!, _yearsDot = null!, _rateDot = null!, _volatilityDot = null!;

        [GlobalSetup]
        public void Setup()
        {
            var random = new Random(3);
            _spot = Uniform(random, 50, 150); _strike = Uniform(random, 50, 150); _years = Uniform(random, 0.1, 3);
            _rate = Uniform(random, 0, 0.08); _volatility = Uniform(random, 0.1, 0.6);
            _spotDot = Uniform(random, -1, 1); _strikeDot = Uniform(random, -1, 1); _yearsDot = Uniform(random, -1, 1);
            _rateDot = Uniform(random, -1, 1); _volatilityDot = Uniform(random, -1, 1);
        }

        [Benchmark(Baseline = true, OperationsPerInvoke = PointCount)]
        public double Primal()
        {
            double sum = 0;
            for (int i = 0; i < _spot.Length; i++)
                sum += CallOption.Price(_spot[i], _strike[i], _years[i], _rate[i], _volatility[i]);
            return sum;
        }

        [Benchmark(OperationsPerInvoke = PointCount)]
        public double GeneratedGradient()
        {
            double sum = 0;
            for (int i = 0; i < _spot.Length; i++)
                sum += CallOption.PriceGradient(_spot[i], _strike[i], _years[i], _rate[i], _volatility[i],
                    out double dS, out double dK, out double dT, out double dR, out double dV) + dS + dK + dT + dR + dV;
            return sum;
        }

        [Benchmark(OperationsPerInvoke = PointCount)]
        public double HandWrittenGradient()
        {
            double sum = 0;
            for (int i = 0; i < _spot.Length; i++)
                sum += HandWritten.CallOptionGradient(_spot[i], _strike[i], _years[i], _rate[i], _volatility[i],
                    out double dS, out double dK, out double dT, out double dR, out double dV) + dS + dK + dT + dR + dV;
            return sum;
        }

        // One directional derivative costs one Jvp; all five Greeks by forward mode would cost five.
        [Benchmark(OperationsPerInvoke = PointCount)]
        public double GeneratedJvp()
        {
            double sum = 0;
            for (int i = 0; i < _spot.Length; i++)
                sum += CallOption.PriceJvp(_spot[i], _strike[i], _years[i], _rate[i], _volatility[i],
                    _spotDot[i], _strikeDot[i], _yearsDot[i], _rateDot[i], _volatilityDot[i], out double tangent) + tangent;
            return sum;
        }
    }
}
