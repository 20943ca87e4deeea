using AutoDiff.Generator.Tests.Infrastructure;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.EverydayCSharp;

/// <summary>The generated code of local functions, lambda locals and LINQ (issue 15, item 10): the loops a person would write.</summary>
public class LocalFunctionSnapshotTests
{
    [Test]
    public void Local_functions_lambdas_and_linq()
    {
        const string source = """
            using System;
            using System.Linq;
            using AutoDiff;
            namespace Demo
            {
                public static partial class Fns
                {
                    [Differentiable]
                    public static double Helper(double x, double y)
                    {
                        return Square(x) + Square(x * y);
                        static double Square(double t) => t * t;
                    }

                    [Differentiable]
                    public static double Accumulate(double[] x, double a)
                    {
                        double acc = 0;
                        Action<double> add = v => acc += v * a;
                        foreach (var v in x) add(v);
                        return acc;
                    }

                    [Differentiable]
                    public static double SumOfSquares(double[] x) => x.Sum(v => v * v);

                    [Differentiable]
                    public static double Dot(double[] x, double[] w) => x.Zip(w, (p, q) => p * q).Sum();

                    [Differentiable]
                    public static double Max(double[] x) => x.Max();
                }
            }
            """;
        var run = GeneratorHarness.Run(source);
        run.AssertNoErrors();
        Snapshot.VerifyGenerated(run);
    }
}
