using AutoDiff.Generator.Tests.Infrastructure;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests;

/// <summary>
/// The exact C# generated for representative methods, one snapshot file per generated file
/// (<c>_snapshots/SnapshotTests.{Test}#{HintName}.verified.cs</c>). The numeric tests prove the
/// code right; these show what it looks like and catch any unintended change in it.
/// </summary>
public class SnapshotTests
{
    private static void Verify(string members, string test) => GeneratedCode.VerifyInFns(members, test);

    [Test]
    public void Product() => Verify("""
        [Differentiable]
        public static double Product(double x, double y) => x * y;
        """, nameof(Product));

    [Test]
    public void Polynomial() => Verify("""
        [Differentiable]
        public static double Polynomial(double x) => 3 * x * x * x - 2 * x * x + x - 7;
        """, nameof(Polynomial));

    [Test]
    public void Rosenbrock() => Verify("""
        [Differentiable]
        public static double Rosenbrock(double x, double y)
        {
            double a = 1 - x;
            double b = y - x * x;
            return a * a + 100 * b * b;
        }
        """, nameof(Rosenbrock));

    [Test]
    public void ReassignedLocal() => Verify("""
        [Differentiable]
        public static double ReassignedLocal(double x)
        {
            double t = x;
            t = t * t;
            t += Math.Sin(t);
            t *= 0.5;
            return t;
        }
        """, nameof(ReassignedLocal));

    [Test]
    public void Trigonometry() => Verify("""
        [Differentiable]
        public static double Arm(double theta1, double theta2)
        {
            double ex = Math.Cos(theta1) + 0.8 * Math.Cos(theta1 + theta2);
            double ey = Math.Sin(theta1) + 0.8 * Math.Sin(theta1 + theta2);
            return ex * ex + ey * ey;
        }
        """, nameof(Trigonometry));

    [Test]
    public void ExpAndLog() => Verify("""
        [Differentiable]
        public static double Softplus(double x) => Math.Log(1 + Math.Exp(x));
        """, nameof(ExpAndLog));

    [Test]
    public void Quotient() => Verify("""
        [Differentiable]
        public static double Quotient(double x, double y) => (x - y) / (x + y);
        """, nameof(Quotient));

    [Test]
    public void PowerWithBothArgumentsActive() => Verify("""
        [Differentiable]
        public static double Power(double x, double y) => Math.Pow(x, y) + Math.Pow(x, 2);
        """, nameof(PowerWithBothArgumentsActive));

    [Test]
    public void KinksAbsMaxMin() => Verify("""
        [Differentiable]
        public static double Kinks(double x, double y) => Math.Abs(x) + Math.Max(x, y) - Math.Min(x, 0.0);
        """, nameof(KinksAbsMaxMin));

    [Test]
    public void SinglePrecision() => Verify("""
        [Differentiable]
        public static float Gaussian(float x, float sigma) => MathF.Exp(-x * x / (2 * sigma * sigma)) / sigma;
        """, nameof(SinglePrecision));

    [Test]
    public void PassThroughParameters() => Verify("""
        private const double Gravity = 9.81;

        [Differentiable]
        public static double Height(double v0, double angle, [NoDerivative] double t, int bounces) =>
            v0 * Math.Sin(angle) * t - 0.5 * Gravity * t * t / (bounces + 1);
        """, nameof(PassThroughParameters));

    [Test]
    public void ConversionsBetweenFloatAndDouble() => Verify("""
        [Differentiable]
        public static double Mixed(double x, float y)
        {
            float product = (float)x * y;
            return product + x;
        }
        """, nameof(ConversionsBetweenFloatAndDouble));

    [Test]
    public void FlatFunctions() => Verify("""
        [Differentiable]
        public static double Staircase(double x) => Math.Floor(x) + x * Math.Round(x, 2) + Math.Sign(x);
        """, nameof(FlatFunctions));

    [Test]
    public void InstanceMethodReadingFields()
    {
        string source = """
            using System;
            using AutoDiff;
            namespace Demo
            {
                public partial class Spring
                {
                    private readonly double _stiffness = 3;
                    public double RestLength { get; init; } = 1;

                    [Differentiable]
                    internal double Energy(double stretch)
                    {
                        double d = stretch - RestLength;
                        return 0.5 * _stiffness * d * d;
                    }
                }
            }
            """;
        var run = GeneratorHarness.Run(source);
        run.AssertNoErrors();
        Snapshot.VerifyGenerated(run);
    }

    [Test]
    public void NestedGenericTypeInGlobalNamespace()
    {
        string source = """
            using System;
            using AutoDiff;
            public static partial class Outer
            {
                public partial struct Model<T>
                {
                    [Differentiable]
                    public static double Logistic(double x) => 1 / (1 + Math.Exp(-x));
                }
            }
            """;
        var run = GeneratorHarness.Run(source);
        run.AssertNoErrors();
        Snapshot.VerifyGenerated(run);
    }

    [Test]
    public void OverloadsGetDistinctFiles() => Verify("""
        [Differentiable]
        public static double Norm(double x) => Math.Abs(x);

        [Differentiable]
        public static double Norm(double x, double y) => Math.Sqrt(x * x + y * y);
        """, nameof(OverloadsGetDistinctFiles));
}

