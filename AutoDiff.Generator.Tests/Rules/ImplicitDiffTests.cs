using System;
using AutoDiff.Samples.ImplicitDiff;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Rules;

/// <summary>
/// The implicit-differentiation sample (samples/AutoDiff.Samples.ImplicitDiff/Ridge.cs, compiled into this project so its
/// companions are generated here): dL/dλ of ridge regression's validation loss through [DerivativeOf] rules that solve the
/// transposed system, against a hand-derived closed form, central finite differences, forward mode, and the generator's
/// derivative of an unrolled gradient-descent solver.
/// </summary>
public class ImplicitDiffTests
{
    private static readonly Problem Data = new(n: 15, m: 8, d: 3, seed: 11);

    [TestCase(0.01)]
    [TestCase(0.3)]
    [TestCase(4.0)]
    public void Implicit_derivative_agrees_with_finite_differences_forward_mode_and_the_unrolled_solver(double lambda)
    {
        var p = Data;
        double value = Model.LossGradient(lambda, p.X, p.Y, p.XVal, p.YVal, out double gradient);
        Assert.That(value, Is.EqualTo(Model.Loss(lambda, p.X, p.Y, p.XVal, p.YVal)), "the primal, bit for bit");

        double h = 1e-5;
        double central = (Model.Loss(lambda + h, p.X, p.Y, p.XVal, p.YVal) - Model.Loss(lambda - h, p.X, p.Y, p.XVal, p.YVal)) / (2 * h);
        Assert.That(gradient, Is.EqualTo(central).Within(1e-7 * Math.Max(1, Math.Abs(central))), "central finite differences");

        Model.LossJvp(lambda, p.X, p.Y, p.XVal, p.YVal, 0.5, out double tangent);
        Assert.That(tangent, Is.EqualTo(0.5 * gradient).Within(1e-12 * Math.Max(1, Math.Abs(gradient))), "forward mode against reverse mode");

        double unrolledValue = Model.UnrolledLossGradient(lambda, p.X, p.Y, p.XVal, p.YVal, p.Step(lambda), 600, out double unrolled);
        Assert.That(unrolledValue, Is.EqualTo(value).Within(1e-9 * Math.Max(1, value)), "the unrolled solver converged");
        Assert.That(unrolled, Is.EqualTo(gradient).Within(1e-7 * Math.Max(1, Math.Abs(gradient))), "the unrolled solver's derivative");
    }

    [Test]
    public void Vjp_rule_adds_minus_v_times_w_into_each_penalty_adjoint()
    {
        // ∂L/∂λⱼ = −vⱼ·w*ⱼ with A v = ∂L/∂w, by hand here, against the rule's contributions added into ones.
        var p = Data;
        var penalty = new[] { 0.2, 1.5, 0.7 };
        var factor = Ridge.Factor(penalty, p.X, p.Y, out var rhs);
        var w = factor.Solve(rhs);
        Ridge.SquaredError(w, p.XVal, p.YVal, out var g);
        var v = factor.Solve(g);
        var adjoint = new[] { 1.0, 1.0, 1.0 };
        RidgeRules.ValidationLossVjp(penalty, p.X, p.Y, p.XVal, p.YVal, 2.0, adjoint);
        for (int j = 0; j < 3; j++)
        {
            Assert.That(adjoint[j], Is.EqualTo(1 - 2 * v[j] * w[j]).Within(1e-12));
            var plus = (double[])penalty.Clone();
            var minus = (double[])penalty.Clone();
            plus[j] += 1e-6;
            minus[j] -= 1e-6;
            double fd = (Ridge.ValidationLoss(plus, p.X, p.Y, p.XVal, p.YVal) - Ridge.ValidationLoss(minus, p.X, p.Y, p.XVal, p.YVal)) / 2e-6;
            Assert.That((adjoint[j] - 1) / 2, Is.EqualTo(fd).Within(1e-6), "∂L/∂λ" + j + " against finite differences");
        }
    }
}
