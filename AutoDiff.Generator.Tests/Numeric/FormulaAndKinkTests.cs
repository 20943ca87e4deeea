using System;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Numeric;

/// <summary>
/// Generated derivatives against formulas derived by hand, called through the typed companions a
/// user calls; and the conventions at non-differentiable points, in both modes.
/// </summary>
public sealed class FormulaAndKinkTests
{
    private const double Exact = 1e-13;

    [TestCase(1.1, 0.3)]
    [TestCase(-1.2, 1.0)]
    [TestCase(1.0, 1.0)]
    public void Rosenbrock_matches_its_formula(double x, double y)
    {
        double value = Functions.RosenbrockGradient(x, y, out double dx, out double dy);
        Assert.That(value, Is.EqualTo(Functions.Rosenbrock(x, y)));
        Assert.That(dx, Is.EqualTo(-2 * (1 - x) - 400 * x * (y - x * x)).Within(Exact).Percent);
        Assert.That(dy, Is.EqualTo(200 * (y - x * x)).Within(Exact).Percent);
    }

    [TestCase(0.3, 1.7)]
    [TestCase(-1.1, -0.4)]
    public void Atan2_matches_its_formula(double y, double x)
    {
        Functions.Atan2Gradient(y, x, out double dy, out double dx);
        double r2 = x * x + y * y;
        Assert.That(dy, Is.EqualTo(x / r2).Within(Exact).Percent);
        Assert.That(dx, Is.EqualTo(-y / r2).Within(Exact).Percent);
    }

    [TestCase(5.5, 3.0)]
    public void Log_with_a_base_matches_its_formula(double x, double b)
    {
        Functions.LogBaseGradient(x, b, out double dx, out double db);
        Assert.That(dx, Is.EqualTo(1 / (x * Math.Log(b))).Within(1e-12).Percent);
        Assert.That(db, Is.EqualTo(-Math.Log(x) / (b * Math.Log(b) * Math.Log(b))).Within(1e-12).Percent);
    }

    [Test]
    public void Instance_method_reads_fields_and_properties_as_constants()
    {
        var spring = new Spring(stiffness: 3, restLength: 1);
        double a = 0.2, b = 1.7;
        double energy = spring.EnergyGradient(a, b, out double da, out double db);
        double stretch = Math.Abs(b - a) - 1;
        Assert.That(energy, Is.EqualTo(spring.Energy(a, b)));
        Assert.That(db, Is.EqualTo(3 * stretch).Within(Exact).Percent);
        Assert.That(da, Is.EqualTo(-3 * stretch).Within(Exact).Percent);

        double tangent;
        spring.ScaledJvp(2, 1, out tangent);
        Assert.That(tangent, Is.EqualTo(12).Within(Exact).Percent);
    }

    [Test]
    public void Nested_type_gets_companions()
    {
        Outer.Nested.InnerGradient(0.7, out double dx);
        Assert.That(dx, Is.EqualTo(Math.Cos(0.7) * 0.7 + Math.Sin(0.7)).Within(Exact).Percent);
    }

    [Test]
    public void Vjp_accumulates_across_calls()
    {
        double xAdj = 0, yAdj = 0;
        Functions.MultiplyVjp(2, 3, 1, ref xAdj, ref yAdj);
        Functions.MultiplyVjp(2, 3, 1, ref xAdj, ref yAdj);
        Functions.AddVjp(2, 3, 0.5, ref xAdj, ref yAdj);
        Assert.That(xAdj, Is.EqualTo(3 + 3 + 0.5));
        Assert.That(yAdj, Is.EqualTo(2 + 2 + 0.5));
    }

    // ---- Conventions at kinks: one rule, the same in both modes. ----

    [Test]
    public void Abs_has_derivative_zero_at_zero()
    {
        Functions.AbsGradient(0.0, out double dx);
        Functions.AbsJvp(0.0, 1.0, out double tangent);
        Assert.That(dx, Is.EqualTo(0.0));
        Assert.That(tangent, Is.EqualTo(0.0));
        SinglePrecision.KinksGradient(0.5f, 0f, out _, out float dyAtZero);
        // ∂/∂y of |y|·max(x, y) + min(x, y) at y = 0 < x: Abs'(0)·max = 0, |0|·0 = 0, and min's 1.
        Assert.That(dyAtZero, Is.EqualTo(1f));
    }

    [Test]
    public void Max_and_Min_split_a_tie_equally()
    {
        Functions.MaxGradient(1.5, 1.5, out double dx, out double dy);
        Assert.That((dx, dy), Is.EqualTo((0.5, 0.5)));
        Functions.MinGradient(-2.0, -2.0, out dx, out dy);
        Assert.That((dx, dy), Is.EqualTo((0.5, 0.5)));
        Functions.MaxJvp(1.5, 1.5, 1.0, 1.0, out double tangent);
        Assert.That(tangent, Is.EqualTo(1.0), "a tie moved along (1, 1) moves the max by 1");
    }

    [Test]
    public void Sqrt_has_infinite_derivative_at_zero()
    {
        Functions.SqrtGradient(0.0, out double dx);
        Assert.That(dx, Is.EqualTo(double.PositiveInfinity));
    }

    [Test]
    public void Piecewise_constant_functions_have_derivative_zero_even_at_their_jumps()
    {
        // Flat(x, y) = floor(x)·y + ceil(x) + round(x) + trunc(x)·y + sign(x) + round(y, 1)·x.
        foreach (double x in new[] { 2.0, 2.5, -1.0 })
        {
            Functions.FlatGradient(x, 0.43, out double dx, out double dy);
            Assert.That(dx, Is.EqualTo(Math.Round(0.43, 1)), $"x = {x}");
            Assert.That(dy, Is.EqualTo(Math.Floor(x) + Math.Truncate(x)), $"x = {x}");
        }
    }

    [Test]
    public void Pow_at_a_zero_base_or_exponent_avoids_zero_times_infinity()
    {
        Functions.PowGradient(0.0, 2.5, out double dx, out double dy);
        Assert.That(dx, Is.EqualTo(0.0), "2.5·0^1.5");
        Assert.That(dy, Is.EqualTo(0.0), "0^y·ln 0 is taken as its limit 0");
        Functions.PowGradient(0.0, 0.0, out dx, out _);
        Assert.That(dx, Is.EqualTo(0.0), "∂/∂x x^0 = 0 even at x = 0");
        Functions.PowJvp(0.0, 2.5, 1.0, 1.0, out double tangent);
        Assert.That(tangent, Is.EqualTo(0.0));
    }

    [Test]
    public void Unused_parameter_gets_a_zero_partial()
    {
        Functions.UnusedParameterGradient(0.2, 0.7, out double dx, out double dy);
        Assert.That((dx, dy), Is.EqualTo((3.0, 0.0)));
        Functions.ConstantResultGradient(0.9, out double dc);
        Assert.That(dc, Is.EqualTo(0.0));
    }

    [TestCase(Activation.Identity, 0.7)]
    [TestCase(Activation.Tanh, 0.7)]
    [TestCase(Activation.Softplus, 0.7)]
    public void Switch_over_an_enum_takes_the_matching_case(Activation activation, double x)
    {
        // identity' = 1, tanh'(x) = 1 − tanh²(x), softplus'(x) = σ(x).
        double expected = activation switch
        {
            Activation.Tanh => 1 - Math.Tanh(x) * Math.Tanh(x),
            Activation.Softplus => 1 / (1 + Math.Exp(-x)),
            _ => 1.0,
        };
        double value = EnumSwitch.ActivateGradient(x, activation, out double dx);
        Assert.That(value, Is.EqualTo(EnumSwitch.Activate(x, activation)));
        Assert.That(dx, Is.EqualTo(expected).Within(1e-10));
        EnumSwitch.ActivateJvp(x, activation, 1.0, out double tangent);
        Assert.That(tangent, Is.EqualTo(dx).Within(1e-15));
    }

    [Test]
    public void Instance_methods_chain_through_calls_on_this()
    {
        var pendulum = new Pendulum(1.5);
        double a = 0.4, v = 1.2;
        double energy = pendulum.EnergyGradient(a, v, out double da, out double dv);
        Assert.That(energy, Is.EqualTo(pendulum.Energy(a, v)));
        double h = 1e-6;
        Assert.That(da, Is.EqualTo((pendulum.Energy(a + h, v) - pendulum.Energy(a - h, v)) / (2 * h)).Within(1e-6));
        Assert.That(dv, Is.EqualTo(v * 1.5 * (1 - Math.Cos(a + 0.1)) / 1.5).Within(1e-12));
        pendulum.EnergyJvp(a, v, 1, 0, out double tangent);
        Assert.That(tangent, Is.EqualTo(da).Within(1e-12));
    }

    [TestCase(1.1, 4)]
    [TestCase(-0.7, 5)]
    public void Recursive_power_matches_its_formula(double x, int n)
    {
        Calls.PowerGradient(x, n, out double dx);
        Assert.That(dx, Is.EqualTo(n * Math.Pow(x, n - 1)).Within(1e-12));
    }

    [TestCase(-1.0, 0.5)]
    [TestCase(0.0, 0.5)]
    [TestCase(4.0, 0.25)]
    public void A_value_unused_on_the_taken_path_does_not_poison_the_gradient(double x, double expected)
    {
        // √x is NaN (or its derivative infinite) where the branch returns 0.5·x instead.
        SingularOnUntakenPath.GuardedSqrtGradient(x, out double dx);
        Assert.That(dx, Is.EqualTo(expected).Within(1e-15));
        double xAdj = 0.25;
        SingularOnUntakenPath.GuardedSqrtVjp(x, 0.75, ref xAdj);
        Assert.That(xAdj, Is.EqualTo(0.25 + 0.75 * expected).Within(1e-15));
    }
}
