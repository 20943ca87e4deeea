using System;
using AutoDiff;

namespace AutoDiff.Benchmarks
{
    /// <summary>
    /// A time stepper calling a vector field: classical RK4 on the Lorenz-63 system,
    ///   u̇ = (σ(u₁ − u₀), u₀(ρ − u₂) − u₁, u₀u₁ − βu₂),  σ = 10, ρ = 28, β = 8/3,
    /// for a number of steps, then J = u₀² + ½u₁u₂ of the final state. The field is a vector-valued
    /// [Differentiable] method called four times per step; the generator differentiates its body in
    /// place of each call. Active: the initial state and the step size.
    /// </summary>
    public static partial class LorenzTrajectory
    {
        [Differentiable]
        public static void Field(ReadOnlySpan<double> u, Span<double> dudt)
        {
            dudt[0] = 10 * (u[1] - u[0]);
            dudt[1] = u[0] * (28 - u[2]) - u[1];
            dudt[2] = u[0] * u[1] - 8.0 / 3.0 * u[2];
        }

        [Differentiable]
        public static double Value(double[] u0, double dt, int steps)
        {
            Span<double> u = stackalloc double[3];
            Span<double> stage = stackalloc double[3];
            Span<double> k1 = stackalloc double[3];
            Span<double> k2 = stackalloc double[3];
            Span<double> k3 = stackalloc double[3];
            Span<double> k4 = stackalloc double[3];
            for (int i = 0; i < 3; i++) u[i] = u0[i];
            for (int s = 0; s < steps; s++)
            {
                Field(u, k1);
                for (int i = 0; i < 3; i++) stage[i] = u[i] + 0.5 * dt * k1[i];
                Field(stage, k2);
                for (int i = 0; i < 3; i++) stage[i] = u[i] + 0.5 * dt * k2[i];
                Field(stage, k3);
                for (int i = 0; i < 3; i++) stage[i] = u[i] + dt * k3[i];
                Field(stage, k4);
                for (int i = 0; i < 3; i++) u[i] += dt / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
            }
            return u[0] * u[0] + 0.5 * u[1] * u[2];
        }
    }
}
