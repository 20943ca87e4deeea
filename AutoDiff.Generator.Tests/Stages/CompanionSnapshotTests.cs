using AutoDiff.Generator.Tests.Infrastructure;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Stages;

/// <summary>
/// One companion per snapshot (<see cref="Snapshot.VerifyCompanion"/>), for a few representative methods: a change in
/// one companion shows up in its own small file.
/// </summary>
public class CompanionSnapshotTests
{
    private static GeneratorRun Run(string members)
    {
        var run = GeneratorHarness.Run(StageIr.Wrap(members));
        run.AssertNoErrors();
        return run;
    }

    [Test]
    public void ScalarGradient() => Snapshot.VerifyCompanion(Run("""
        [Differentiable]
        public static double Scalar(double x, double y) => x * Math.Sin(y) + Math.Exp(x / y);
        """), "Scalar", "Gradient");

    [Test]
    public void ScalarHvp() => Snapshot.VerifyCompanion(Run("""
        [Differentiable]
        public static double Scalar(double x, double y) => x * Math.Sin(y) + Math.Exp(x / y);
        """), "Scalar", "Hvp");

    [Test]
    public void ArrayGradient() => Snapshot.VerifyCompanion(Run("""
        [Differentiable]
        public static double Rosenbrock(ReadOnlySpan<double> x)
        {
            double sum = 0;
            for (int i = 0; i + 1 < x.Length; i++)
            {
                double a = 1 - x[i], b = x[i + 1] - x[i] * x[i];
                sum += a * a + 100 * b * b;
            }
            return sum;
        }
        """), "Rosenbrock", "Gradient");

    [Test]
    public void LoopVjp() => Snapshot.VerifyCompanion(Run("""
        [Differentiable]
        public static double Power(double x, int n)
        {
            double p = 1;
            for (int i = 0; i < n; i++) p *= Math.Cos(p) + x;
            return p;
        }
        """), "Power", "Vjp");

    [Test]
    public void CallJvp() => Snapshot.VerifyCompanion(Run("""
        [Differentiable]
        public static double Square(double x) => x * x;

        [Differentiable]
        public static double Chain(double x, double y) => Square(Math.Sin(x)) * y;
        """), "Chain", "Jvp");

    [Test]
    public void CallGradient() => Snapshot.VerifyCompanion(Run("""
        [Differentiable]
        public static double Square(double x) => x * x;

        [Differentiable]
        public static double Chain(double x, double y) => Square(Math.Sin(x)) * y;
        """), "Chain", "Gradient");
}
