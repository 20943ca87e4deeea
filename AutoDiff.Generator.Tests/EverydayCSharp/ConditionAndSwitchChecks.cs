using System;
using System.Linq;
using System.Reflection;
using AutoDiff.Generator.Tests.Infrastructure;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.EverydayCSharp;

/// <summary>
/// The numeric checks of <see cref="LoopConditionTests"/> and <see cref="SwitchAndIntegerTests"/>: a method of
/// <c>Demo.Fns</c> whose <c>double</c> parameters are active and whose other parameters (ints, chars, strings,
/// arrays) are data, called with its generated companions through reflection.
/// </summary>
internal static class ConditionAndSwitchChecks
{
    /// <summary><paramref name="members"/> inside <c>public static partial class Demo.Fns</c>.</summary>
    public static string InFns(string members) =>
        "using System;\nusing AutoDiff;\nnamespace Demo\n{\n    public static partial class Fns\n    {\n" + members + "\n    }\n}\n";

    /// <summary>Generates <paramref name="members"/> with no error, loads them and checks <paramref name="method"/> at each point of <paramref name="points"/>; returns the gradients.</summary>
    public static double[][] Check(string members, string method, params object[][] points)
    {
        var run = GeneratorHarness.Run(InFns(members));
        run.AssertNoErrors();
        using var loaded = run.Load();
        var primal = loaded.Method("Demo.Fns", method);
        return points.Select(at => Check(primal, at)).ToArray();
    }

    /// <summary>
    /// Checks every companion of <paramref name="primal"/> at <paramref name="at"/> (one value per parameter): each
    /// returns the method's value bit for bit; the gradient matches central differences; the Vjp adds seed × gradient
    /// into the adjoints it is given; the Jvp (forward mode) matches the gradient (reverse mode) along a direction; the
    /// Hvp matches central differences of the gradient along its direction. Returns the gradient.
    /// </summary>
    public static double[] Check(MethodInfo primal, object[] at)
    {
        var parameters = primal.GetParameters();
        int[] active = Enumerable.Range(0, parameters.Length).Where(i => parameters[i].ParameterType == typeof(double)).ToArray();
        int n = active.Length;
        var declaring = primal.DeclaringType!;
        MethodInfo Companion(string suffix) => declaring.GetMethod(primal.Name + suffix, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
            ?? throw new AssertionException("no " + primal.Name + suffix);
        object?[] With(double[] x, int extra)
        {
            var args = new object?[parameters.Length + extra];
            Array.Copy(at, args, parameters.Length);
            for (int k = 0; k < n; k++) args[active[k]] = x[k];
            return args;
        }
        double Value(double[] x) => (double)Invoke(primal, With(x, 0))!;
        (double, double[]) Gradient(double[] x)
        {
            var args = With(x, n);
            double value = (double)Invoke(Companion("Gradient"), args)!;
            return (value, Enumerable.Range(0, n).Select(k => (double)args[parameters.Length + k]!).ToArray());
        }

        var x0 = active.Select(i => (double)at[i]).ToArray();
        double primalValue = Value(x0);
        var (gradientValue, gradient) = Gradient(x0);
        double scale = Math.Max(1, gradient.Select(Math.Abs).Sum());
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Bits(gradientValue), Is.EqualTo(Bits(primalValue)), "Gradient returns the method's value");
            for (int k = 0; k < n; k++)
            {
                double h = 1e-6 * Math.Max(1, Math.Abs(x0[k]));
                var plus = (double[])x0.Clone();
                var minus = (double[])x0.Clone();
                plus[k] += h;
                minus[k] -= h;
                double numeric = (Value(plus) - Value(minus)) / (2 * h);
                Assert.That(gradient[k], Is.EqualTo(numeric).Within(2e-6 * Math.Max(1, Math.Abs(numeric))), $"∂/∂{parameters[active[k]].Name} against central differences");
            }

            const double seed = 0.75;
            var vjpArgs = With(x0, 1 + n);
            vjpArgs[parameters.Length] = seed;
            for (int k = 0; k < n; k++) vjpArgs[parameters.Length + 1 + k] = 0.25 * (k + 1);
            double vjpValue = (double)Invoke(Companion("Vjp"), vjpArgs)!;
            Assert.That(Bits(vjpValue), Is.EqualTo(Bits(primalValue)), "Vjp returns the method's value");
            for (int k = 0; k < n; k++)
            {
                double expected = 0.25 * (k + 1) + seed * gradient[k];
                Assert.That((double)vjpArgs[parameters.Length + 1 + k]!, Is.EqualTo(expected).Within(1e-12 * Math.Max(1, Math.Abs(expected))), $"Vjp adjoint of {parameters[active[k]].Name}");
            }

            var direction = Enumerable.Range(0, n).Select(k => 0.3 + 0.5 * k * (k % 2 == 0 ? 1 : -1)).ToArray();
            var jvpArgs = With(x0, n + 1);
            for (int k = 0; k < n; k++) jvpArgs[parameters.Length + k] = direction[k];
            double jvpValue = (double)Invoke(Companion("Jvp"), jvpArgs)!;
            Assert.That(Bits(jvpValue), Is.EqualTo(Bits(primalValue)), "Jvp returns the method's value");
            double directional = gradient.Select((g, k) => g * direction[k]).Sum();
            Assert.That((double)jvpArgs[^1]!, Is.EqualTo(directional).Within(1e-12 * scale), "forward mode (Jvp) against reverse mode (Gradient)");

            var hvpArgs = With(x0, 2 * n);
            for (int k = 0; k < n; k++) hvpArgs[parameters.Length + k] = direction[k];
            double hvpValue = (double)Invoke(Companion("Hvp"), hvpArgs)!;
            Assert.That(Bits(hvpValue), Is.EqualTo(Bits(primalValue)), "Hvp returns the method's value");
            double step = 1e-5;
            var (_, gradientPlus) = Gradient(x0.Select((x, k) => x + step * direction[k]).ToArray());
            var (_, gradientMinus) = Gradient(x0.Select((x, k) => x - step * direction[k]).ToArray());
            for (int k = 0; k < n; k++)
            {
                double numeric = (gradientPlus[k] - gradientMinus[k]) / (2 * step);
                Assert.That((double)hvpArgs[parameters.Length + n + k]!, Is.EqualTo(numeric).Within(1e-5 * Math.Max(1, Math.Abs(numeric))), $"(H·v) for {parameters[active[k]].Name} against differences of the gradient");
            }
        }
        return gradient;
    }

    private static object? Invoke(MethodInfo method, object?[] args)
    {
        try
        {
            return method.Invoke(null, args);
        }
        catch (TargetInvocationException e) when (e.InnerException != null)
        {
            throw e.InnerException;
        }
    }

    private static long Bits(double value) => BitConverter.DoubleToInt64Bits(value);
}
