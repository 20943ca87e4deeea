using System;
using System.Globalization;

namespace AutoDiff.Samples.MassSpring
{
    /// <summary>
    /// Finds the rest state of a chain of springs and masses hanging between two anchors: gradient descent on its energy,
    /// written with user structs (<see cref="Vec3"/>, <see cref="Particle"/>, <see cref="Spring"/>) and differentiated by
    /// the generator. Prints the energy as it falls, the final largest force, and checks the generated gradient against
    /// central finite differences.
    /// </summary>
    public static class Program
    {
        const int Particles = 12;

        public static int Main()
        {
            CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
            Console.WriteLine($"A chain of {Particles} masses ({Chain.Mass} kg) on {Particles + 1} springs (k = {Chain.Stiffness} N/m) between (0, 0, 0) and ({Chain.Span}, 0, 0), under gravity");
            var q = Chain.Start(Particles);
            Console.WriteLine("iteration      energy (J)    max force (N)");
            var (iterations, energy, force) = Chain.Relax(q, tolerance: 1e-9, maxIterations: 20_000,
                (i, e, f) => Console.WriteLine($"{i,9}  {e,14:0.000000000}  {f,14:0.000e+00}"));
            Console.WriteLine();
            Console.WriteLine($"Rest state after {iterations} iterations: energy {energy:0.000000000} J, largest force on a mass {force:0.0e+00} N");
            Console.WriteLine($"Lowest mass: {new Vec3(q[3 * (Particles / 2)], q[3 * (Particles / 2) + 1], q[3 * (Particles / 2) + 2])} (particle {Particles / 2})");

            // The generated gradient against central differences of the energy, at the start.
            var x = Chain.Start(Particles);
            var gradient = new double[x.Length];
            Chain.EnergyGradient(x, gradient);
            double worst = 0;
            for (int k = 0; k < x.Length; k++)
            {
                double h = 1e-6, saved = x[k];
                x[k] = saved + h;
                double plus = Chain.Energy(x);
                x[k] = saved - h;
                double minus = Chain.Energy(x);
                x[k] = saved;
                worst = Math.Max(worst, Math.Abs(gradient[k] - (plus - minus) / (2 * h)) / Math.Max(1, Math.Abs(gradient[k])));
            }
            Console.WriteLine($"Gradient vs central differences at the start: largest relative difference {worst:0.0e+00}");
            return force <= 1e-9 && worst < 1e-6 ? 0 : 1;
        }
    }
}
