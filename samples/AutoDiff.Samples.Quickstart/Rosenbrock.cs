using System;
using AutoDiff;

namespace AutoDiff.Samples.Quickstart
{
    /// <summary>
    /// Part (b): the Rosenbrock function, a classic test for optimizers. Its minimum at (1, 1)
    /// lies at the bottom of a long, curved, nearly flat valley: finding the valley is easy,
    /// following it to the minimum is not.
    /// </summary>
    public static partial class Rosenbrock
    {
        [Differentiable]
        public static double Value(double x, double y)
        {
            double u = 1 - x;
            double v = y - x * x;
            return u * u + 100 * v * v;
        }

        /// <summary>
        /// Gradient descent with (heavy-ball) momentum from the customary start (−1.2, 1).
        /// Plain gradient descent needs a step small enough for the steep walls of the valley
        /// and then crawls along its flat floor; the velocity term keeps accumulating along
        /// the floor, where successive gradients agree, and cancels across the walls, where they
        /// alternate in sign.
        /// </summary>
        public static (double X, double Y) Minimize(Action<string> print)
        {
            double x = -1.2, y = 1.0;
            double vx = 0, vy = 0;
            // Heavy-ball momentum is stable for steps below 2(1 + momentum)/L, where L is the
            // largest curvature (Hessian eigenvalue) on the way: about 1500 at the start point,
            // which bounds the step by 2.5e-3. 1e-3 leaves a safety margin.
            const double stepSize = 1e-3, momentum = 0.9;
            const int iterations = 4000;

            for (int step = 0; step <= iterations; step++)
            {
                // One call returns f and both partial derivatives. Reverse mode costs a small
                // constant multiple of f, however many inputs f has (benchmarks/README.md).
                double f = ValueGradient(x, y, out double dx, out double dy);
                if (step % 500 == 0)
                    print($"  iter {step,5}  f {f,10:0.000e+00}  x {x,8:F5}  y {y,8:F5}  |grad| {Math.Sqrt(dx * dx + dy * dy):0.00e+00}");
                if (step == iterations) break;

                vx = momentum * vx - stepSize * dx;
                vy = momentum * vy - stepSize * dy;
                x += vx;
                y += vy;
            }
            return (x, y);
        }
    }
}
