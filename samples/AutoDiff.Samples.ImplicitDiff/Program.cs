using System;
using System.Globalization;

namespace AutoDiff.Samples.ImplicitDiff
{
    /// <summary>
    /// Differentiating through a linear solve by implicit differentiation. Ridge regression's solution w*(λ) comes from a
    /// Cholesky solve the generator never sees; a [DerivativeOf] rule shaped like the solve's Vjp solves the transposed
    /// system instead (the implicit-function theorem), and one shaped like its Jvp gives forward mode. dL/dλ of the
    /// validation loss is checked against central finite differences and against the generator's derivative of an unrolled
    /// gradient-descent solver. A second version puts only the solve behind rules (a function with a span output, w*) and lets the
    /// generator differentiate the loss around it; it must agree too. Exits with 1 if any of them disagree.
    /// </summary>
    public static class Program
    {
        private const int Iterations = 400;
        private const double Tolerance = 1e-6;

        public static int Main()
        {
            CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
            var p = new Problem(n: 20, m: 10, d: 4, seed: 7);
            Console.WriteLine($"Ridge regression, {p.Y.Length} training rows, {p.YVal.Length} validation rows, {p.Features} features");
            Console.WriteLine($"{"lambda",8} {"L(lambda)",14} {"dL/dlambda",16} {"forward",16} {"central FD",16} {"unrolled GD",16}");
            bool ok = true;
            foreach (double lambda in new[] { 0.05, 0.5, 2.0, 10.0 })
            {
                double value = Model.LossGradient(lambda, p.X, p.Y, p.XVal, p.YVal, out double implicitGradient);
                Model.LossJvp(lambda, p.X, p.Y, p.XVal, p.YVal, 1.0, out double forward);
                double h = 1e-5 * Math.Max(1, lambda);
                double central = (Model.Loss(lambda + h, p.X, p.Y, p.XVal, p.YVal) - Model.Loss(lambda - h, p.X, p.Y, p.XVal, p.YVal)) / (2 * h);
                double step = p.Step(lambda);
                double unrolledValue = Model.UnrolledLossGradient(lambda, p.X, p.Y, p.XVal, p.YVal, step, Iterations, out double unrolled);
                Console.WriteLine($"{lambda,8:G4} {value,14:G8} {implicitGradient,16:G10} {forward,16:G10} {central,16:G10} {unrolled,16:G10}");

                ok &= Agrees("the primal of the gradient", value, Model.Loss(lambda, p.X, p.Y, p.XVal, p.YVal), 0);
                ok &= Agrees("forward mode", forward, implicitGradient, 1e-12);
                ok &= Agrees("central finite differences", central, implicitGradient, Tolerance);
                ok &= Agrees("the unrolled solver's loss", unrolledValue, value, Tolerance);
                ok &= Agrees("the unrolled solver's derivative", unrolled, implicitGradient, Tolerance);
                // Only the solve behind a rule (a span output): the generator differentiates the loss around it.
                double solvedValue = Model.SolvedLossGradient(lambda, p.X, p.Y, p.XVal, p.YVal, out double solvedGradient);
                Model.SolvedLossJvp(lambda, p.X, p.Y, p.XVal, p.YVal, 1.0, out double solvedForward);
                ok &= Agrees("the span-output solve's primal", solvedValue, Model.SolvedLoss(lambda, p.X, p.Y, p.XVal, p.YVal), 0);
                ok &= Agrees("the span-output solve's loss", solvedValue, value, 1e-12);
                ok &= Agrees("the span-output solve's derivative", solvedGradient, implicitGradient, 1e-9);
                ok &= Agrees("the span-output solve's forward mode", solvedForward, solvedGradient, 1e-12);
            }
            Console.WriteLine(ok ? "All derivatives agree." : "MISMATCH");
            return ok ? 0 : 1;
        }

        private static bool Agrees(string what, double actual, double expected, double relative)
        {
            if (Math.Abs(actual - expected) <= relative * Math.Max(1, Math.Abs(expected))) return true;
            Console.WriteLine($"  {what}: {actual:R} disagrees with {expected:R}");
            return false;
        }
    }
}
