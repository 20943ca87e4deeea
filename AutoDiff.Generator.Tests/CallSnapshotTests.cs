using AutoDiff.Generator.Tests.Infrastructure;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests;

/// <summary>Generated code for calls between differentiable methods, custom rules and stop-gradient.</summary>
public class CallSnapshotTests
{
    private static void Verify(string members, string test) => GeneratedCode.VerifyInFns(members, test);

    [Test]
    public void CallChain() => Verify("""
        [Differentiable]
        public static double Square(double x) => x * x;

        [Differentiable]
        public static double Chain(double x, double y) => Square(Math.Sin(Square(x)) + y);
        """, nameof(CallChain));

    [Test]
    public void CallInLoop() => Verify("""
        [Differentiable]
        public static double Step(double state, double rate) => state + rate * Math.Tanh(state);

        [Differentiable]
        public static double Integrate(double start, double rate, int steps)
        {
            double s = start;
            for (int i = 0; i < steps; i++) s = Step(s, rate);
            return s;
        }
        """, nameof(CallInLoop));

    [Test]
    public void Recursion() => Verify("""
        [Differentiable]
        public static double Power(double x, int n) => n == 0 ? 1 : x * Power(x, n - 1);
        """, nameof(Recursion));

    [Test]
    public void CustomRule() => Verify("""
        public static double Erf(double x) => Math.Tanh(1.2 * x);

        [DerivativeOf(typeof(Fns), nameof(Erf))]
        public static double ErfDerivative(double x) => 1.2 / (Math.Cosh(1.2 * x) * Math.Cosh(1.2 * x));

        [Differentiable]
        public static double Probit(double x, double scale) => scale * Erf(x / scale);
        """, nameof(CustomRule));

    /// <summary>Inline = true: the callee's body is differentiated inside the caller's loop; no StepVjp call.</summary>
    [Test]
    public void InlinedCallInLoop() => Verify("""
        [Differentiable(Inline = true)]
        public static double Step(double s, double rate, [NoDerivative] double dt) => s + dt * Math.Sin(rate * s);

        [Differentiable]
        public static double Integrate(double s0, double rate, int steps)
        {
            double s = s0;
            for (int i = 0; i < steps; i++) s = Step(s, rate, 0.1);
            return s;
        }
        """, nameof(InlinedCallInLoop));

    /// <summary>A rule that is itself [Differentiable]: the Hvp differentiates the partial through the rule's Jvp.</summary>
    [Test]
    public void DifferentiableCustomRule() => Verify("""
        public static double Erf(double x) => Math.Tanh(1.2 * x);

        [DerivativeOf(typeof(Fns), nameof(Erf))]
        [Differentiable]
        public static double ErfDerivative(double x) => 1.2 / (Math.Cosh(1.2 * x) * Math.Cosh(1.2 * x));

        [Differentiable]
        public static double Probit(double x, double scale) => scale * Erf(x / scale);
        """, nameof(DifferentiableCustomRule));

    [Test]
    public void StopGradient() => Verify("""
        [Differentiable]
        public static double Detached(double x, double y) => x * y + Ad.StopGradient(x * x) * AdMath.Softplus(y);
        """, nameof(StopGradient));

    /// <summary>
    /// Span arguments: the callee's Vjp adds into the caller's adjoint spans; a buffer overwritten in the
    /// loop is pushed after the call that read it and popped back before that call's Vjp.
    /// </summary>
    [Test]
    public void CallWithSpanArguments() => Verify("""
        [Differentiable]
        public static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
        {
            double s = 0;
            for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
            return s;
        }

        [Differentiable]
        public static double Smooth(double[] x, [NoDerivative] double[] w)
        {
            Span<double> scaled = stackalloc double[x.Length];
            double total = 0;
            for (int round = 1; round <= 3; round++)
            {
                for (int i = 0; i < x.Length; i++) scaled[i] = x[i] / round;
                total += Dot(scaled, w) * Dot(scaled, x);
            }
            return total;
        }
        """, nameof(CallWithSpanArguments));
}
