using System;
using System.Buffers;

namespace AutoDiff.Benchmarks
{
    /// <summary>
    /// The discrete adjoint of <see cref="LorenzTrajectory.Value"/>, written the way one writes it by hand: the forward
    /// sweep stores the state at the start of every step (3 doubles a step, in a pooled array); the reverse sweep
    /// recomputes each step's four stages from its stored state and runs the step's adjoint,
    ///   k̄₁ = k̄₄ = (dt/6)·ū′, k̄₂ = k̄₃ = (dt/3)·ū′, then s̄ = J(s)ᵀk̄ back through the stages,
    /// with the Lorenz Jacobian transposed in closed form. Scalars and three-element stack arrays throughout.
    /// </summary>
    public static class VectorCallHandWritten
    {
        const double Sigma = 10, Rho = 28, Beta = 8.0 / 3.0;

        static void Field(ReadOnlySpan<double> u, Span<double> f)
        {
            f[0] = Sigma * (u[1] - u[0]);
            f[1] = u[0] * (Rho - u[2]) - u[1];
            f[2] = u[0] * u[1] - Beta * u[2];
        }

        /// <summary>uBar += J(u)ᵀ·w.</summary>
        static void AddFieldTranspose(ReadOnlySpan<double> u, ReadOnlySpan<double> w, Span<double> uBar)
        {
            uBar[0] += -Sigma * w[0] + (Rho - u[2]) * w[1] + u[1] * w[2];
            uBar[1] += Sigma * w[0] - w[1] + u[0] * w[2];
            uBar[2] += -u[0] * w[1] - Beta * w[2];
        }

        public static double Gradient(double[] u0, double dt, int steps, Span<double> dU0, out double dDt)
        {
            if (dU0.Length != u0.Length) throw new ArgumentException("dU0 must have the length of u0.", nameof(dU0));
            double[] states = ArrayPool<double>.Shared.Rent(3 * steps);
            Span<double> u = stackalloc double[3], s2 = stackalloc double[3], s3 = stackalloc double[3], s4 = stackalloc double[3];
            Span<double> k1 = stackalloc double[3], k2 = stackalloc double[3], k3 = stackalloc double[3], k4 = stackalloc double[3];
            u0.AsSpan(0, 3).CopyTo(u);
            for (int s = 0; s < steps; s++)
            {
                u.CopyTo(states.AsSpan(3 * s, 3));
                Field(u, k1);
                for (int i = 0; i < 3; i++) s2[i] = u[i] + 0.5 * dt * k1[i];
                Field(s2, k2);
                for (int i = 0; i < 3; i++) s3[i] = u[i] + 0.5 * dt * k2[i];
                Field(s3, k3);
                for (int i = 0; i < 3; i++) s4[i] = u[i] + dt * k3[i];
                Field(s4, k4);
                for (int i = 0; i < 3; i++) u[i] += dt / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
            }
            double value = u[0] * u[0] + 0.5 * u[1] * u[2];

            Span<double> uBar = stackalloc double[3] { 2 * u[0], 0.5 * u[2], 0.5 * u[1] };
            Span<double> k1Bar = stackalloc double[3], k2Bar = stackalloc double[3], k3Bar = stackalloc double[3], k4Bar = stackalloc double[3];
            Span<double> sBar = stackalloc double[3];
            double dtBar = 0;
            for (int s = steps - 1; s >= 0; s--)
            {
                // Recompute the step's stages from its stored state.
                ReadOnlySpan<double> start = states.AsSpan(3 * s, 3);
                Field(start, k1);
                for (int i = 0; i < 3; i++) s2[i] = start[i] + 0.5 * dt * k1[i];
                Field(s2, k2);
                for (int i = 0; i < 3; i++) s3[i] = start[i] + 0.5 * dt * k2[i];
                Field(s3, k3);
                for (int i = 0; i < 3; i++) s4[i] = start[i] + dt * k3[i];
                Field(s4, k4);
                // u' = u + dt/6·(k1 + 2k2 + 2k3 + k4): ū stays, the k̄ get their shares.
                for (int i = 0; i < 3; i++)
                {
                    double share = dt / 6 * uBar[i];
                    k1Bar[i] = share;
                    k2Bar[i] = 2 * share;
                    k3Bar[i] = 2 * share;
                    k4Bar[i] = share;
                    dtBar += uBar[i] * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]) / 6;
                }
                // k4 = f(s4), s4 = u + dt·k3.
                sBar.Clear();
                AddFieldTranspose(s4, k4Bar, sBar);
                for (int i = 0; i < 3; i++) { uBar[i] += sBar[i]; k3Bar[i] += dt * sBar[i]; dtBar += sBar[i] * k3[i]; }
                // k3 = f(s3), s3 = u + dt/2·k2.
                sBar.Clear();
                AddFieldTranspose(s3, k3Bar, sBar);
                for (int i = 0; i < 3; i++) { uBar[i] += sBar[i]; k2Bar[i] += 0.5 * dt * sBar[i]; dtBar += 0.5 * sBar[i] * k2[i]; }
                // k2 = f(s2), s2 = u + dt/2·k1.
                sBar.Clear();
                AddFieldTranspose(s2, k2Bar, sBar);
                for (int i = 0; i < 3; i++) { uBar[i] += sBar[i]; k1Bar[i] += 0.5 * dt * sBar[i]; dtBar += 0.5 * sBar[i] * k1[i]; }
                // k1 = f(u).
                AddFieldTranspose(start, k1Bar, uBar);
            }
            ArrayPool<double>.Shared.Return(states);
            dU0.Clear();
            uBar.CopyTo(dU0);
            dDt = dtBar;
            return value;
        }
    }
}
