using System;
using System.Buffers;
using System.Runtime.CompilerServices;

namespace AutoDiff.Benchmarks
{
    /// <summary>
    /// Reverse-mode gradients of the loop functions in <c>LoopFunctions.cs</c>, written by hand the
    /// way one would for production code: a forward pass that runs the primal and stores what the
    /// backward pass needs in a buffer (on the stack when small, rented from
    /// <see cref="ArrayPool{T}.Shared"/> otherwise), then a backward loop over the stored values.
    /// Each returns the same value as the primal, bit for bit (the primal's operations are kept in
    /// the same order). <c>--verify</c> checks them against the generated gradients and finite
    /// differences.
    /// </summary>
    /// <remarks>
    /// Nothing between the rent and the return can throw (arithmetic and Math calls only), so the
    /// rented arrays are returned without a try/finally.
    /// </remarks>
    public static class LoopHandWritten
    {
        /// <summary>Buffers of up to this many doubles (8 KB) go on the stack.</summary>
        const int StackLimit = 1024;

        /// <summary>
        /// Reverse of semi-implicit Euler. Step n maps (xₙ, vₙ) to
        ///   a = −k·xₙ − c·vₙ,  vₙ₊₁ = vₙ + dt·a,  xₙ₊₁ = xₙ + dt·vₙ₊₁,  L += dt·xₙ₊₁².
        /// The forward pass stores the states x₀, v₀, x₁, v₁, …, x_N (2N + 1 doubles, interleaved).
        /// With x̄, v̄ the adjoints of xₙ₊₁, vₙ₊₁, the backward pass runs, for n = N−1 … 0,
        ///   x̄ += 2·dt·xₙ₊₁;  v̄ += dt·x̄;  ā = dt·v̄;
        ///   k̄ −= ā·xₙ;  c̄ −= ā·vₙ;  x̄ −= k·ā;  v̄ −= c·ā
        /// and ends with ∂L/∂x₀ = x̄. Nothing of the forward step is recomputed: xₙ₊₁ is read from
        /// the buffer, where it is also the next step's xₙ.
        /// </summary>
        public static double DampedOscillatorLossGradient(double stiffness, double damping, double x0, double dt, int steps,
            out double dStiffness, out double dDamping, out double dX0)
        {
            int n = Math.Max(steps, 0);
            int needed = 2 * n + 1;
            if (needed <= StackLimit)
                return DampedOscillatorSweeps(stackalloc double[needed], stiffness, damping, x0, dt, n, out dStiffness, out dDamping, out dX0);
            double[] rented = ArrayPool<double>.Shared.Rent(needed);
            double loss = DampedOscillatorSweeps(rented, stiffness, damping, x0, dt, n, out dStiffness, out dDamping, out dX0);
            ArrayPool<double>.Shared.Return(rented);
            return loss;
        }

        // The loops are kept apart from the buffer management on purpose. On x64 Unix no XMM
        // register survives a call, so a double that is live across the ArrayPool call gets a stack
        // slot, and RyuJIT then stores it (and reloads loop-carried ones) on every iteration of the
        // loops: with the loops inline, this gradient was 1.2 times slower and the series gradient
        // below 2.4 times slower. A method without calls keeps every double of both loops in
        // registers.
        [MethodImpl(MethodImplOptions.NoInlining)]
        static double DampedOscillatorSweeps(Span<double> states, double stiffness, double damping, double x0, double dt, int n,
            out double dStiffness, out double dDamping, out double dX0)
        {
            double x = x0, v = 0, loss = 0;
            for (int i = 0; i < n; i++)
            {
                states[2 * i] = x;
                states[2 * i + 1] = v;
                double a = -stiffness * x - damping * v;
                v += dt * a;
                x += dt * v;
                loss += x * x;
            }
            states[2 * n] = x;

            double twoDt = 2 * dt;
            double xBar = 0, vBar = 0, kBar = 0, cBar = 0;
            for (int i = n - 1; i >= 0; i--)
            {
                xBar += twoDt * states[2 * i + 2];
                vBar += dt * xBar;
                double aBar = dt * vBar;
                kBar -= aBar * states[2 * i];
                cBar -= aBar * states[2 * i + 1];
                xBar -= stiffness * aBar;
                vBar -= damping * aBar;
            }

            dStiffness = kBar;
            dDamping = cBar;
            dX0 = xBar;
            return dt * loss;
        }

        /// <summary>
        /// Reverse of the Newton iteration itself (the same algorithm the generated code
        /// differentiates). One step is E′ = E − q with q = r/s, r = E − e·sin E − M, s = 1 − e·cos E.
        /// Its adjoint, given Ē′, is
        ///   M̄ += Ē′/s;  ē += Ē′·(sin E − q·cos E)/s;  Ē = Ē′·q·e·sin E/s
        /// (the Ē′ and r̄·∂r/∂E = −Ē′ terms cancel: Newton's map has zero slope at the root).
        /// The forward pass stores sin E, cos E and q per step, so the backward pass calls no Sin or
        /// Cos; it recomputes 1/s, which does not depend on Ē′ and so stays off the backward
        /// dependency chain. Finally E₀ = M adds Ē to M̄.
        /// The buffer holds 16 steps on the stack (Newton needs at most 7 here); should more be
        /// needed, the whole computation is redone with an array of 50 steps from the pool, rather
        /// than zeroing 1.2 KB of stack on every call for a case that does not occur.
        /// </summary>
        public static double KeplerGradient(double meanAnomaly, double eccentricity, out double dMeanAnomaly, out double dEccentricity)
        {
            const int StackSteps = 16;
            if (KeplerSweeps(stackalloc double[3 * StackSteps], meanAnomaly, eccentricity, out double anomaly, out dMeanAnomaly, out dEccentricity))
                return anomaly;
            return KeplerGradientPooled(meanAnomaly, eccentricity, out dMeanAnomaly, out dEccentricity);
        }

        /// <summary>The same with room for only <paramref name="stackSteps"/> steps on the stack, so
        /// that <c>--verify</c> can exercise the fallback, which no benchmark input needs.</summary>
        internal static double KeplerGradient(double meanAnomaly, double eccentricity, out double dMeanAnomaly, out double dEccentricity, int stackSteps)
        {
            if (KeplerSweeps(stackalloc double[3 * stackSteps], meanAnomaly, eccentricity, out double anomaly, out dMeanAnomaly, out dEccentricity))
                return anomaly;
            return KeplerGradientPooled(meanAnomaly, eccentricity, out dMeanAnomaly, out dEccentricity);
        }

        static double KeplerGradientPooled(double meanAnomaly, double eccentricity, out double dMeanAnomaly, out double dEccentricity)
        {
            double[] rented = ArrayPool<double>.Shared.Rent(3 * Kepler.MaxIterations);
            KeplerSweeps(rented, meanAnomaly, eccentricity, out double anomaly, out dMeanAnomaly, out dEccentricity);
            ArrayPool<double>.Shared.Return(rented);
            return anomaly;
        }

        /// <summary>Both sweeps; false if the buffer is too small for the steps Newton needs.</summary>
        [MethodImpl(MethodImplOptions.NoInlining)]
        static bool KeplerSweeps(Span<double> tape, double meanAnomaly, double eccentricity,
            out double anomaly, out double dMeanAnomaly, out double dEccentricity)
        {
            int capacity = tape.Length / 3;
            double current = meanAnomaly;
            double step = 1;
            int iterations = 0;
            while (Math.Abs(step) > Kepler.Tolerance && iterations < Kepler.MaxIterations)
            {
                if (iterations == capacity)
                {
                    anomaly = dMeanAnomaly = dEccentricity = 0;
                    return false;
                }
                double sin = Math.Sin(current), cos = Math.Cos(current);
                double residual = current - eccentricity * sin - meanAnomaly;
                double slope = 1 - eccentricity * cos;
                step = residual / slope;
                tape[3 * iterations] = sin;
                tape[3 * iterations + 1] = cos;
                tape[3 * iterations + 2] = step;
                current -= step;
                iterations++;
            }

            double anomalyBar = 1, meanAnomalyBar = 0, eccentricityBar = 0;
            for (int i = iterations - 1; i >= 0; i--)
            {
                double sin = tape[3 * i], cos = tape[3 * i + 1], q = tape[3 * i + 2];
                double inverseSlope = 1 / (1 - eccentricity * cos);
                double g = anomalyBar * inverseSlope;
                meanAnomalyBar += g;
                eccentricityBar += g * (sin - q * cos);
                anomalyBar = g * (q * eccentricity * sin);
            }
            anomaly = current;
            dMeanAnomaly = meanAnomalyBar + anomalyBar;
            dEccentricity = eccentricityBar;
            return true;
        }

        /// <summary>
        /// A different algorithm: the implicit-function theorem instead of differentiating the
        /// iterations. At the root F(E, M, e) = E − e·sin E − M = 0, so
        ///   ∂E/∂M = 1/(1 − e·cos E),  ∂E/∂e = sin E/(1 − e·cos E).
        /// No buffer and no backward loop. sin E and cos E at the returned E are obtained from the
        /// last step's values by the angle-difference formulas to first order in the last step q
        /// (|q| ≤ 1e-12, so the q² terms are below rounding), without calling Sin or Cos again.
        /// It agrees with the derivative of the iteration only because the iteration has converged
        /// (to about the size of the second-to-last step); it is not what AD computes.
        /// </summary>
        public static double KeplerImplicitGradient(double meanAnomaly, double eccentricity, out double dMeanAnomaly, out double dEccentricity)
        {
            double anomaly = meanAnomaly;
            double step = 1, sin = 0, cos = 1;
            int iterations = 0;
            while (Math.Abs(step) > Kepler.Tolerance && iterations < Kepler.MaxIterations)
            {
                sin = Math.Sin(anomaly);
                cos = Math.Cos(anomaly);
                double residual = anomaly - eccentricity * sin - meanAnomaly;
                double slope = 1 - eccentricity * cos;
                step = residual / slope;
                anomaly -= step;
                iterations++;
            }
            double sinRoot = sin - step * cos, cosRoot = cos + step * sin;
            double inverseSlope = 1 / (1 - eccentricity * cosRoot);
            dMeanAnomaly = inverseSlope;
            dEccentricity = sinRoot * inverseSlope;
            return anomaly;
        }

        /// <summary>
        /// Reverse of Horner's rule S ← S·x + tⱼ, tⱼ = 1/(j + s)², run for j = n−1 … 0. The term tⱼ
        /// enters the result multiplied by xʲ, and the S before step j enters it multiplied by
        /// x^(j+1) (one more factor of x per later step), so the backward pass runs j = 0 … n−1
        /// with w = xʲ:
        ///   x̄ += w·S_before_j;  s̄ += w·∂tⱼ/∂s = −2·w·tⱼ/(j + s);  w ← w·x.
        /// The forward pass stores S_before_j and tⱼ (2n doubles); the backward pass divides once
        /// per term, off its dependency chain (w ← w·x).
        /// </summary>
        public static double LerchSeriesGradient(double x, double s, int terms, out double dx, out double ds)
        {
            int n = Math.Max(terms, 0);
            int needed = 2 * n;
            if (needed <= StackLimit)
                return LerchSeriesSweeps(stackalloc double[needed], x, s, n, out dx, out ds);
            double[] rented = ArrayPool<double>.Shared.Rent(needed);
            double sum = LerchSeriesSweeps(rented, x, s, n, out dx, out ds);
            ArrayPool<double>.Shared.Return(rented);
            return sum;
        }

        /// <summary>The loops, in a method without calls (see <see cref="DampedOscillatorSweeps"/>).</summary>
        [MethodImpl(MethodImplOptions.NoInlining)]
        static double LerchSeriesSweeps(Span<double> tape, double x, double s, int n, out double dx, out double ds)
        {
            double sum = 0;
            for (int j = n - 1; j >= 0; j--)
            {
                double denominator = j + s;
                double term = 1 / (denominator * denominator);
                tape[2 * j] = sum;
                tape[2 * j + 1] = term;
                sum = sum * x + term;
            }

            double weight = 1, xBar = 0, sBar = 0;
            for (int j = 0; j < n; j++)
            {
                xBar += weight * tape[2 * j];
                sBar -= 2 * weight * tape[2 * j + 1] / (j + s);
                weight *= x;
            }

            dx = xBar;
            ds = sBar;
            return sum;
        }
    }
}
