using System;

namespace AutoDiff.Samples.Newton
{
    /// <summary>What a minimiser reports: iterations used, the final value and gradient norm, and how many Hvps it called.</summary>
    public readonly record struct Result(int Iterations, double Value, double GradientNorm, int HvpCalls);

    /// <summary>
    /// Three minimisers built on the generated companions. All stop when ‖∇f‖ &lt; 1e-8 or at an
    /// iteration cap, and all use the same backtracking (Armijo) line search.
    /// </summary>
    public static class Optimizers
    {
        public const double Tolerance = 1e-8;

        /// <summary>
        /// Line-search Newton-CG (Nocedal and Wright, Numerical Optimization, Algorithm 7.1) on the
        /// extended Rosenbrock function. Each outer iteration wants the Newton step p with H·p = −g,
        /// but never forms H: it solves the system approximately by conjugate gradients, which only
        /// ever needs products H·d, and those are exactly what the generated <c>RosenbrockHvp</c>
        /// returns. The solve is "truncated": it stops early once the residual is small relative to
        /// ‖g‖ (loosely far from the minimum, tightly close to it), or as soon as it meets a
        /// direction of negative curvature, where H is not positive definite and the Newton model
        /// has no minimum.
        /// </summary>
        public static Result NewtonCg(double[] x, int maxIterations, Action<string> print)
        {
            int n = x.Length;
            double[] g = new double[n], p = new double[n], r = new double[n], d = new double[n], hd = new double[n];
            int hvpCalls = 0;
            double f = Problems.RosenbrockGradient(x, g);
            int k = 0;
            for (; k < maxIterations && Norm(g) >= Tolerance; k++)
            {
                // Conjugate gradients on H·p = −g, from p = 0. r = H·p + g is the residual and d the
                // search direction; both start at ±g.
                // Stop when ‖r‖ ≤ η‖g‖. Nocedal and Wright suggest η = min(0.5, √‖g‖); in Rosenbrock's
                // curved valley such loose steps crawl (65 Newton iterations here instead of 22), so η
                // is capped at 0.01. Near the minimum η = √‖g‖ gives superlinear convergence.
                double gNorm = Norm(g);
                double forcing = Math.Min(0.01, Math.Sqrt(gNorm)) * gNorm;
                Array.Clear(p);
                for (int i = 0; i < n; i++) { r[i] = g[i]; d[i] = -g[i]; }
                double rr = Dot(r, r);
                for (int j = 0; j < n; j++)
                {
                    Problems.RosenbrockHvp(x, d, hd);  // hd = H·d: one forward-over-reverse sweep
                    hvpCalls++;
                    double curvature = Dot(d, hd);
                    if (curvature <= 0)
                    {
                        // Negative curvature along d: stop. On the very first CG step p is still 0,
                        // so fall back to steepest descent.
                        if (j == 0) for (int i = 0; i < n; i++) p[i] = -g[i];
                        break;
                    }
                    double alpha = rr / curvature;
                    for (int i = 0; i < n; i++) { p[i] += alpha * d[i]; r[i] += alpha * hd[i]; }
                    double rrNext = Dot(r, r);
                    if (Math.Sqrt(rrNext) <= forcing) break;
                    double beta = rrNext / rr;
                    rr = rrNext;
                    for (int i = 0; i < n; i++) d[i] = -r[i] + beta * d[i];
                }

                double step = LineSearch(x, f, g, p, 1.0, out f);
                f = Problems.RosenbrockGradient(x, g);
                if (k % 2 == 0 || Norm(g) < Tolerance)
                    print($"  iter {k + 1,3}  f {f,10:0.000e+00}  |g| {Norm(g),9:0.00e+00}  step {step,6:0.####}  Hvps so far {hvpCalls,4}");
            }
            return new Result(k, f, Norm(g), hvpCalls);
        }

        /// <summary>
        /// Plain gradient descent: step along −g, with the step length from the same line search.
        /// Each search starts from twice the previous accepted step, so the step adapts to the
        /// local curvature in both directions.
        /// </summary>
        public static Result GradientDescent(double[] x, int maxIterations, Action<string> print)
        {
            int n = x.Length;
            double[] g = new double[n], p = new double[n];
            double f = Problems.RosenbrockGradient(x, g);
            double step = 1;
            int k = 0;
            for (; k < maxIterations && Norm(g) >= Tolerance; k++)
            {
                for (int i = 0; i < n; i++) p[i] = -g[i];
                step = LineSearch(x, f, g, p, Math.Min(1, 2 * step), out f);
                f = Problems.RosenbrockGradient(x, g);
                if ((k + 1) % 4000 == 0 || Norm(g) < Tolerance)
                    print($"  iter {k + 1,5}  f {f,10:0.000e+00}  |g| {Norm(g),9:0.00e+00}  step {step:0.0e+00}");
            }
            return new Result(k, f, Norm(g), 0);
        }

        /// <summary>
        /// Newton's method with the full Hessian, for the 2-D bowl: each iteration asks the generated
        /// <c>BowlHessian</c> for the 2×2 matrix H and solves H·p = −g directly (Cramer's rule).
        /// The bowl's Hessian is positive definite everywhere, so p always points downhill. Close
        /// to the minimum the full step is accepted and ‖g‖ roughly squares each iteration
        /// (quadratic convergence).
        /// </summary>
        public static Result Newton2D(ref double x, ref double y, int maxIterations, Action<string> print)
        {
            Span<double> h = stackalloc double[4];  // row-major: h[0] h[1] / h[2] h[3]
            double f = Problems.BowlGradient(x, y, out double gx, out double gy);
            int k = 0;
            for (; k < maxIterations && Math.Sqrt(gx * gx + gy * gy) >= Tolerance; k++)
            {
                Problems.BowlHessian(x, y, h);
                double det = h[0] * h[3] - h[1] * h[2];
                double px = -(h[3] * gx - h[1] * gy) / det;
                double py = -(h[0] * gy - h[2] * gx) / det;

                // Backtracking on the bowl (the same rule as LineSearch, written out for two scalars).
                double slope = gx * px + gy * py, step = 1;
                while (Problems.Bowl(x + step * px, y + step * py) > f + 1e-4 * step * slope) step *= 0.5;
                x += step * px;
                y += step * py;
                f = Problems.BowlGradient(x, y, out gx, out gy);
                print($"  iter {k + 1,2}  f {f,19:0.000000000000000}  |g| {Math.Sqrt(gx * gx + gy * gy),9:0.00e+00}  step {step,6:0.####}  (x, y) = ({x:F12}, {y:F12})");
            }
            return new Result(k, f, Math.Sqrt(gx * gx + gy * gy), 0);
        }

        /// <summary>
        /// Backtracking (Armijo) line search along p from x: tries x + t·p for t = start, start/2,
        /// start/4, … and takes the first t whose decrease is at least 1e-4 of what the slope g·p
        /// promises. Moves x there, returns t and the new value.
        /// </summary>
        static double LineSearch(double[] x, double f, double[] g, double[] p, double start, out double fNew)
        {
            double slope = Dot(g, p);  // negative for a descent direction
            double[] trial = new double[x.Length];
            for (double t = start; ; t *= 0.5)
            {
                for (int i = 0; i < x.Length; i++) trial[i] = x[i] + t * p[i];
                fNew = Problems.Rosenbrock(trial);
                if (fNew <= f + 1e-4 * t * slope || t < 1e-20)
                {
                    trial.CopyTo(x, 0);
                    return t;
                }
            }
        }

        static double Dot(double[] a, double[] b)
        {
            double sum = 0;
            for (int i = 0; i < a.Length; i++) sum += a[i] * b[i];
            return sum;
        }

        static double Norm(double[] a) => Math.Sqrt(Dot(a, a));
    }
}
