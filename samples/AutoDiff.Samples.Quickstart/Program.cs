using System;
using System.Globalization;

namespace AutoDiff.Samples.Quickstart
{
    /// <summary>
    /// AutoDiff quickstart. Each [Differentiable] method in this sample gets companion methods
    /// generated at compile time — FGradient (value and all partial derivatives), FVjp (reverse
    /// mode, accumulates into ref adjoints) and FJvp (forward mode, one directional derivative).
    /// They are plain C#: no tape, no allocation, and you can read them under
    /// obj/Debug/net10.0/generated/ after a build.
    /// </summary>
    public static class Program
    {
        public static int Main()
        {
            // Numbers print the same way on every machine, whatever its locale.
            CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

            Console.WriteLine($"(a) Fit T(t) = a*exp(-t/tau) + c to {CoolingCurve.PointCount} readings of cooling coffee (Adam)");
            var (a, tau, c) = CoolingCurve.Fit(Console.WriteLine);
            double rms = Math.Sqrt(CoolingCurve.Loss(a, tau, c) / CoolingCurve.PointCount);
            Console.WriteLine($"  fitted: room c = {c:F2} C, start a + c = {a + c:F2} C, tau = {tau:F2} min " +
                              $"(half-life {tau * Math.Log(2):F1} min), rms residual {rms:F2} C");
            Console.WriteLine();

            Console.WriteLine("(b) Minimise Rosenbrock (1-x)^2 + 100(y-x^2)^2 from (-1.2, 1), gradient descent with momentum");
            var (x, y) = Rosenbrock.Minimize(Console.WriteLine);
            Console.WriteLine($"  final point ({x:F6}, {y:F6}); the minimum is at (1, 1)");
            Console.WriteLine();

            // (c) Trust, but verify: compare generated gradients with central finite differences.
            // This is what to do first whenever you write a new [Differentiable] method.
            Console.WriteLine("(c) Generated gradients vs. central finite differences");
            bool passed = CheckCoolingLoss() & CheckRosenbrock();
            return passed ? 0 : 1;
        }

        /// <summary>The gradient of the whole fitting loss (Vjp summed over the table) at the initial guess.</summary>
        static bool CheckCoolingLoss()
        {
            double[] point = { 70, 10, 20 };
            CoolingCurve.Loss(point[0], point[1], point[2], out double dA, out double dTau, out double dC);
            var result = GradientCheck.Check(p => CoolingCurve.Loss(p[0], p[1], p[2]), point, new[] { dA, dTau, dC });
            Console.WriteLine($"  cooling loss at (a, tau, c) = (70, 10, 20): {result}");
            return result.Passed;
        }

        /// <summary>The Rosenbrock gradient at the start point, where it is far from zero.</summary>
        static bool CheckRosenbrock()
        {
            double[] point = { -1.2, 1.0 };
            Rosenbrock.ValueGradient(point[0], point[1], out double dx, out double dy);
            var result = GradientCheck.Check(p => Rosenbrock.Value(p[0], p[1]), point, new[] { dx, dy });
            Console.WriteLine($"  Rosenbrock at (-1.2, 1): {result}");
            return result.Passed;
        }
    }
}
