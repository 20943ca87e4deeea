using System;
using AutoDiff;

namespace AutoDiff.Samples.MassSpring
{
    /// <summary>A point or a displacement in space. Its operators are <c>[Differentiable]</c>, so code written with them is.</summary>
    public partial struct Vec3
    {
        public double X;
        public double Y;
        public double Z;

        public Vec3(double x, double y, double z)
        {
            X = x;
            Y = y;
            Z = z;
        }

        [Differentiable]
        public static Vec3 operator +(Vec3 a, Vec3 b) => new Vec3(a.X + b.X, a.Y + b.Y, a.Z + b.Z);

        [Differentiable]
        public static Vec3 operator -(Vec3 a, Vec3 b) => new Vec3(a.X - b.X, a.Y - b.Y, a.Z - b.Z);

        [Differentiable]
        public static Vec3 operator *(double k, Vec3 a) => new Vec3(k * a.X, k * a.Y, k * a.Z);

        [Differentiable]
        public static double Dot(Vec3 a, Vec3 b) => a.X * b.X + a.Y * b.Y + a.Z * b.Z;

        [Differentiable]
        public static double Length(Vec3 a) => Math.Sqrt(a.X * a.X + a.Y * a.Y + a.Z * a.Z);

        public override string ToString() => FormattableString.Invariant($"({X:0.0000}, {Y:0.0000}, {Z:0.0000})");
    }

    /// <summary>A point mass. <see cref="Index"/> is data that rides along: it is copied, never differentiated.</summary>
    public record struct Particle(Vec3 Position, double Mass, int Index);

    /// <summary>A spring of a given stiffness and rest length.</summary>
    public readonly partial record struct Spring(double Stiffness, double RestLength)
    {
        /// <summary>The elastic energy ½k(|b − a| − L)² of the spring stretched between <paramref name="a"/> and <paramref name="b"/>.</summary>
        [Differentiable]
        public double Energy(Vec3 a, Vec3 b)
        {
            double stretch = Vec3.Length(b - a) - RestLength;
            return 0.5 * Stiffness * stretch * stretch;
        }
    }

    /// <summary>
    /// A chain of point masses joined by springs, hanging between two fixed anchors under gravity. The free particles'
    /// positions are the unknowns, <c>x0, y0, z0, x1, …</c> in one span; <see cref="Energy"/> is written with the structs,
    /// and the generator writes <c>EnergyGradient</c> (the negated forces) from it.
    /// </summary>
    public static partial class Chain
    {
        public const double Stiffness = 200.0;
        public const double Mass = 0.05;
        public const double Gravity = 9.81;
        /// <summary>The anchors: the chain's left end at the origin, its right end <see cref="Span"/> away along x.</summary>
        public const double Span = 1.0;

        /// <summary>The total energy: every spring's elastic energy plus every particle's height in the gravity field.</summary>
        [Differentiable]
        public static double Energy(ReadOnlySpan<double> q)
        {
            int n = q.Length / 3;
            // Rest length: the springs are slack when the particles are evenly spaced on the straight line.
            var spring = new Spring(Stiffness, 0.9 * Span / (n + 1));
            var down = new Vec3(0, 0, -Gravity);
            var previous = new Vec3(0, 0, 0);
            double energy = 0;
            for (int i = 0; i < n; i++)
            {
                var particle = new Particle(new Vec3(q[3 * i], q[3 * i + 1], q[3 * i + 2]), Mass, i);
                energy += spring.Energy(previous, particle.Position);
                energy -= particle.Mass * Vec3.Dot(down, particle.Position);
                previous = particle.Position;
            }
            var anchor = new Vec3(Span, 0, 0);
            return energy + spring.Energy(previous, anchor);
        }

        /// <summary>The free particles evenly spaced on the straight line between the anchors, nudged off it a little.</summary>
        public static double[] Start(int particles)
        {
            var q = new double[3 * particles];
            for (int i = 0; i < particles; i++)
            {
                q[3 * i] = Span * (i + 1) / (particles + 1);
                q[3 * i + 1] = 0.01 * Math.Sin(i + 1.0);
                q[3 * i + 2] = 0;
            }
            return q;
        }

        /// <summary>The largest force on a free particle, |−∂E/∂pᵢ|, from a gradient.</summary>
        public static double MaxForce(ReadOnlySpan<double> gradient)
        {
            double max = 0;
            for (int i = 0; i < gradient.Length / 3; i++)
                max = Math.Max(max, Vec3.Length(new Vec3(gradient[3 * i], gradient[3 * i + 1], gradient[3 * i + 2])));
            return max;
        }

        /// <summary>
        /// Gradient descent with a fixed step below 2 / (the largest curvature) and heavy-ball momentum, until the largest force
        /// is below <paramref name="tolerance"/>; <paramref name="report"/> sees (iteration, energy, max force) now and then.
        /// </summary>
        public static (int Iterations, double Energy, double MaxForce) Relax(double[] q, double tolerance, int maxIterations, Action<int, double, double>? report = null)
        {
            var gradient = new double[q.Length];
            var velocity = new double[q.Length];
            double step = 0.5 / (4 * Stiffness), momentum = 0.9;
            double energy = EnergyGradient(q, gradient), force = MaxForce(gradient);
            int iteration = 0;
            for (; iteration < maxIterations && force > tolerance; iteration++)
            {
                if (report != null && (iteration < 5 || iteration % 100 == 0)) report(iteration, energy, force);
                for (int k = 0; k < q.Length; k++)
                {
                    velocity[k] = momentum * velocity[k] - step * gradient[k];
                    q[k] += velocity[k];
                }
                energy = EnergyGradient(q, gradient);
                force = MaxForce(gradient);
            }
            report?.Invoke(iteration, energy, force);
            return (iteration, energy, force);
        }
    }
}
