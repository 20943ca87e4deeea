using AutoDiff.Generator.Tests.Infrastructure;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests;

/// <summary>Generated code for arrays, spans, local buffers and vector-valued methods.</summary>
public class ArraySnapshotTests
{
    private static void Verify(string members, string test) => GeneratedCode.VerifyInFns(members, test);

    [Test]
    public void SpanLoop() => Verify("""
        [Differentiable]
        public static double Rosenbrock(ReadOnlySpan<double> x)
        {
            double sum = 0;
            for (int i = 0; i + 1 < x.Length; i++)
            {
                double a = 1 - x[i];
                double b = x[i + 1] - x[i] * x[i];
                sum += a * a + 100 * b * b;
            }
            return sum;
        }
        """, nameof(SpanLoop));

    [Test]
    public void LocalBufferOverwrittenInPlace() => Verify("""
        [Differentiable]
        public static double Smooth(double[] x, int passes)
        {
            Span<double> h = stackalloc double[x.Length];
            for (int i = 0; i < x.Length; i++) h[i] = Math.Sin(x[i]);
            for (int k = 0; k < passes; k++)
                for (int i = 1; i < h.Length; i++) h[i] = h[i] + 0.5 * h[i - 1];
            double s = 0;
            foreach (double v in h) s += v * v;
            return s;
        }
        """, nameof(LocalBufferOverwrittenInPlace));

    /// <summary>A vector field called from a time-stepping loop: its body is differentiated in place of the call.</summary>
    [Test]
    public void CallToVectorFunction() => Verify("""
        [Differentiable]
        public static void Pendulum(ReadOnlySpan<double> u, Span<double> dudt)
        {
            dudt[0] = u[1];
            dudt[1] = -Math.Sin(u[0]);
        }

        [Differentiable]
        public static double EulerEnergy(double[] u0, double dt, int steps)
        {
            Span<double> u = stackalloc double[2];
            Span<double> k = stackalloc double[2];
            u[0] = u0[0];
            u[1] = u0[1];
            for (int s = 0; s < steps; s++)
            {
                Pendulum(u, k);
                u[0] += dt * k[0];
                u[1] += dt * k[1];
            }
            return 0.5 * u[1] * u[1] - Math.Cos(u[0]);
        }
        """, nameof(CallToVectorFunction));

    [Test]
    public void VectorFunctionAndJacobian() => Verify("""
        [Differentiable]
        public static void Polar(double r, double theta, Span<double> xy)
        {
            xy[0] = r * Math.Cos(theta);
            xy[1] = r * Math.Sin(theta);
        }
        """, nameof(VectorFunctionAndJacobian));

    [Test]
    public void ScalarAndArrayParametersMixed() => Verify("""
        [Differentiable]
        public static double Loss(double[] w, double bias, [NoDerivative] double[] data, [NoDerivative] double[] labels)
        {
            double loss = 0;
            for (int r = 0; r < labels.Length; r++)
            {
                double z = bias;
                for (int j = 0; j < w.Length; j++) z += w[j] * data[r * w.Length + j];
                double p = 1 / (1 + Math.Exp(-z));
                loss -= labels[r] * Math.Log(p) + (1 - labels[r]) * Math.Log(1 - p);
            }
            return loss / labels.Length;
        }
        """, nameof(ScalarAndArrayParametersMixed));
}
