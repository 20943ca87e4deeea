using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Reflection;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Numeric;

/// <summary>
/// Every companion of every fixture in <see cref="Functions"/> and <see cref="SinglePrecision"/>,
/// at every <see cref="AtAttribute"/> point, checked three ways: the gradient against central finite
/// differences, the reverse mode (Vjp) against the gradient with a seed and preloaded adjoints, and
/// the forward mode (Jvp) against the gradient along a tangent.
/// </summary>
public sealed class DerivativeTests
{
    private static readonly Type[] FixtureTypes = { typeof(Functions), typeof(SinglePrecision), typeof(ControlFlow), typeof(Calls), typeof(CustomDerivatives) };

    public static IEnumerable<TestCaseData> Points()
    {
        foreach (var type in FixtureTypes)
        {
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Static).OrderBy(m => m.Name, StringComparer.Ordinal))
            {
                if (method.GetCustomAttribute<DifferentiableAttribute>() == null) continue;
                foreach (var at in method.GetCustomAttributes<AtAttribute>())
                {
                    string point = string.Join(", ", at.Values.Select(v => v.ToString(CultureInfo.InvariantCulture)));
                    yield return new TestCaseData(method, at.Values).SetArgDisplayNames(type.Name + "." + method.Name + "(" + point + ")");
                }
            }
        }
    }

    [Test]
    public void Every_fixture_has_a_point()
    {
        var missing = FixtureTypes
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static))
            .Where(m => m.GetCustomAttribute<DifferentiableAttribute>() != null && !m.GetCustomAttributes<AtAttribute>().Any())
            .Select(m => m.Name);
        Assert.That(missing, Is.Empty);
        Assert.That(Points().Count(), Is.GreaterThan(50));
    }

    [TestCaseSource(nameof(Points))]
    public void Gradient_matches_central_finite_differences(MethodInfo method, double[] at)
    {
        var f = new Companion(method);
        var (_, gradient) = f.Gradient(at);
        for (int k = 0; k < f.Active.Length; k++)
        {
            int i = f.Active[k];
            double h = (f.IsSingle ? 1e-3 : 1e-6) * Math.Max(1, Math.Abs(at[i]));
            var plus = (double[])at.Clone();
            var minus = (double[])at.Clone();
            plus[i] += h;
            minus[i] -= h;
            double numeric = (f.Value(plus) - f.Value(minus)) / (2 * h);
            double tolerance = (f.IsSingle ? 2e-2 : 1e-6) * Math.Max(1, Math.Abs(numeric));
            Assert.That(gradient[k], Is.EqualTo(numeric).Within(tolerance), $"∂{f.Name}/∂(parameter {i})");
        }
    }

    [TestCaseSource(nameof(Points))]
    public void Companions_return_the_primal_value(MethodInfo method, double[] at)
    {
        var f = new Companion(method);
        double value = f.Value(at);
        Assert.That(f.Gradient(at).Value, Is.EqualTo(value), "Gradient");
        Assert.That(f.Vjp(at, 1, new double[f.Active.Length]).Value, Is.EqualTo(value), "Vjp");
        Assert.That(f.Jvp(at, new double[f.Active.Length]).Value, Is.EqualTo(value), "Jvp");
    }

    [TestCaseSource(nameof(Points))]
    public void Vjp_adds_seed_times_gradient_into_the_adjoints(MethodInfo method, double[] at)
    {
        var f = new Companion(method);
        var (_, gradient) = f.Gradient(at);
        const double seed = 0.75;
        var initial = f.Active.Select((_, k) => 0.25 * (k + 1)).ToArray();
        var (_, adjoints) = f.Vjp(at, seed, initial);
        for (int k = 0; k < gradient.Length; k++)
        {
            double expected = initial[k] + seed * gradient[k];
            Assert.That(adjoints[k], Is.EqualTo(expected).Within(Tolerance(f, expected)), $"adjoint {k}");
        }
    }

    [TestCaseSource(nameof(Points))]
    public void Jvp_agrees_with_reverse_mode(MethodInfo method, double[] at)
    {
        var f = new Companion(method);
        var (_, gradient) = f.Gradient(at);
        var tangents = f.Active.Select((_, k) => 0.3 + 0.5 * k * (k % 2 == 0 ? 1 : -1)).ToArray();
        double expected = gradient.Select((g, k) => g * tangents[k]).Sum();
        var (_, tangent) = f.Jvp(at, tangents);
        Assert.That(tangent, Is.EqualTo(expected).Within(Tolerance(f, gradient.Select(Math.Abs).Sum())));

        // One basis direction at a time recovers each partial exactly as reverse mode does.
        for (int k = 0; k < gradient.Length; k++)
        {
            var basis = new double[gradient.Length];
            basis[k] = 1;
            Assert.That(f.Jvp(at, basis).Tangent, Is.EqualTo(gradient[k]).Within(Tolerance(f, gradient[k])), $"basis {k}");
        }
    }

    private static double Tolerance(Companion f, double scale) => (f.IsSingle ? 1e-5 : 1e-12) * Math.Max(1, Math.Abs(scale));
}
