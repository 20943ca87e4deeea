using System;
using System.Globalization;

namespace AutoDiff.Samples.Newton
{
    /// <summary>
    /// Second-order optimisation with generated Hessian-vector products and Hessians.
    /// (a) Newton-CG on the 100-dimensional extended Rosenbrock function, using only H·v products;
    /// (b) gradient descent on the same function, for contrast;
    /// (c) Newton with the full 2×2 Hessian on a small 2-D function;
    /// (d) a finite-difference check of the generated H·v.
    /// </summary>
    public static class Program
    {
        const int N = 100;

        public static int Main()
        {
            // Numbers print the same way on every machine, whatever its locale.
            CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

            Console.WriteLine($"(a) Newton-CG on extended Rosenbrock, n = {N}, from the classic start (-1.2, 1, -1.2, 1, ...)");
            var newton = Optimizers.NewtonCg(ClassicStart(), maxIterations: 200, Console.WriteLine);
            Console.WriteLine();

            Console.WriteLine($"(b) Gradient descent with backtracking on the same function and start");
            var descent = Optimizers.GradientDescent(ClassicStart(), maxIterations: 20_000, Console.WriteLine);
            Console.WriteLine();

            Console.WriteLine("(c) Newton with the full generated Hessian on f(x, y) = x^4/4 + x^2 + 1.5y^2 - cos(x + y) - 2x - y, from (-3, 3)");
            double x = -3, y = 3;
            var newton2D = Optimizers.Newton2D(ref x, ref y, maxIterations: 50, Console.WriteLine);
            Console.WriteLine();

            Console.WriteLine("Summary (converged = |grad f| < 1e-8)");
            Print("Newton-CG (Hvp only), n = 100", newton, $", {newton.HvpCalls} Hvp calls");
            Print("gradient descent, n = 100", descent, "");
            Print("Newton, full 2x2 Hessian", newton2D, "");
            Console.WriteLine();

            // (d) Trust, but verify: H·v should match the change of the gradient along v,
            // (∇f(x + εv) − ∇f(x − εv)) / 2ε.
            Console.WriteLine("(d) Generated Hvp vs. central differences of the generated gradient");
            return CheckHvp() ? 0 : 1;
        }

        static void Print(string name, Result result, string extra)
        {
            string status = result.GradientNorm < Optimizers.Tolerance ? "converged in" : "stopped at cap,";
            Console.WriteLine($"  {name,-32} {status} {result.Iterations,5} iterations, f = {result.Value:0.000e+00}, |g| = {result.GradientNorm:0.0e+00}{extra}");
        }

        /// <summary>x₂ₖ = −1.2, x₂ₖ₊₁ = 1: the standard starting point of Moré, Garbow and Hillstrom.</summary>
        static double[] ClassicStart()
        {
            var x = new double[N];
            for (int i = 0; i < N; i++) x[i] = i % 2 == 0 ? -1.2 : 1.0;
            return x;
        }

        static bool CheckHvp()
        {
            var random = new Random(7);
            double[] x = new double[N], v = new double[N], hv = new double[N];
            double[] plus = new double[N], minus = new double[N], gPlus = new double[N], gMinus = new double[N];
            for (int i = 0; i < N; i++) { x[i] = 4 * random.NextDouble() - 2; v[i] = 2 * random.NextDouble() - 1; }
            Problems.RosenbrockHvp(x, v, hv);

            const double eps = 1e-5;
            for (int i = 0; i < N; i++) { plus[i] = x[i] + eps * v[i]; minus[i] = x[i] - eps * v[i]; }
            Problems.RosenbrockGradient(plus, gPlus);
            Problems.RosenbrockGradient(minus, gMinus);
            double worst = 0, scale = 0;
            for (int i = 0; i < N; i++) scale = Math.Max(scale, Math.Abs(hv[i]));
            for (int i = 0; i < N; i++) worst = Math.Max(worst, Math.Abs(hv[i] - (gPlus[i] - gMinus[i]) / (2 * eps)) / scale);
            bool passed = worst < 1e-6;
            Console.WriteLine($"  at a random x in [-2, 2]^{N}: max |Hv - finite difference| / max |Hv| = {worst:0.0e+00} ({(passed ? "ok" : "FAILED")})");
            return passed;
        }
    }
}
