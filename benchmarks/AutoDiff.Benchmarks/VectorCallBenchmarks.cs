using System;
using BenchmarkDotNet.Attributes;

namespace AutoDiff.Benchmarks
{
    /// <summary>
    /// RK4 on Lorenz-63 for 1,000 steps of dt = 0.001 (<see cref="LorenzTrajectory"/>): the primal, the generated
    /// gradient in the initial state and dt (the vector field's body differentiated in place of its four calls per
    /// step), the hand-written discrete adjoint (<see cref="VectorCallHandWritten"/>) and the generated Jvp.
    /// </summary>
    [MemoryDiagnoser]
    public class VectorCallRk4Benchmarks
    {
        const int Steps = 1000;
        const double Dt = 0.001;
        readonly double[] _u0 = { 1.2, -0.7, 20.5 };
        readonly double[] _du0 = new double[3], _direction = { 0.3, -0.2, 0.5 };

        [Benchmark(Baseline = true)]
        public double Primal() => LorenzTrajectory.Value(_u0, Dt, Steps);

        [Benchmark]
        public double GeneratedGradient() => LorenzTrajectory.ValueGradient(_u0, Dt, Steps, _du0, out double dDt) + _du0[0] + dDt;

        [Benchmark]
        public double HandWrittenGradient() => VectorCallHandWritten.Gradient(_u0, Dt, Steps, _du0, out double dDt) + _du0[0] + dDt;

        [Benchmark]
        public double GeneratedJvp() => LorenzTrajectory.ValueJvp(_u0, Dt, Steps, _direction, 1.0, out double tangent) + tangent;
    }
}
