using System;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Numeric;

/// <summary>[DerivativeOf] rules for instance methods (receiver first): against closed forms, finite differences and forward mode.</summary>
public sealed class InstanceRuleTests
{
    private static readonly Curve Curve = new Curve(0.7, -1.3);

    private static double Central(Func<double, double> f, double x, double h = 1e-6) => (f(x + h) - f(x - h)) / (2 * h);

    [Test]
    public void Rule_on_a_field_receiver()
    {
        var fit = new CurveFit(Curve);
        foreach (var (t, w) in new[] { (0.4, 1.3), (-0.9, 0.6) })
        {
            double value = fit.LossGradient(t, w, out double dt, out double dw);
            Assert.That(value, Is.EqualTo(fit.Loss(t, w)));
            // L = C(tw)·w + t²/2: ∂t = C′(tw)·w² + t, ∂w = C′(tw)·t·w + C(tw).
            double u = t * w;
            Assert.That(dt, Is.EqualTo(Curve.Slope(u) * w * w + t).Within(1e-12));
            Assert.That(dw, Is.EqualTo(Curve.Slope(u) * t * w + Curve.Evaluate(u)).Within(1e-12));
            Assert.That(dt, Is.EqualTo(Central(a => fit.Loss(a, w), t)).Within(1e-6));
            Assert.That(dw, Is.EqualTo(Central(b => fit.Loss(t, b), w)).Within(1e-6));

            fit.LossJvp(t, w, 0.3, -0.7, out double tangent);
            Assert.That(tangent, Is.EqualTo(0.3 * dt - 0.7 * dw).Within(1e-12));
            double tAdj = 1, wAdj = 2;
            fit.LossVjp(t, w, 0.5, ref tAdj, ref wAdj);
            Assert.That(tAdj, Is.EqualTo(1 + 0.5 * dt).Within(1e-12));
            Assert.That(wAdj, Is.EqualTo(2 + 0.5 * dw).Within(1e-12));
        }
    }

    [Test]
    public void Rule_with_a_tuple_on_a_parameter_receiver()
    {
        double t = 0.8, s = -0.6;
        CurveFit.ThroughGradient(Curve, t, s, out double dt, out double ds);
        // F = s²C(t) + C(st): ∂t = s²C′(t) + C′(st)·s, ∂s = 2sC(t) + C′(st)·t.
        Assert.That(dt, Is.EqualTo(s * s * Curve.Slope(t) + Curve.Slope(s * t) * s).Within(1e-12));
        Assert.That(ds, Is.EqualTo(2 * s * Curve.Evaluate(t) + Curve.Slope(s * t) * t).Within(1e-12));
        Assert.That(dt, Is.EqualTo(Central(a => CurveFit.Through(Curve, a, s), t)).Within(1e-6));
        Assert.That(ds, Is.EqualTo(Central(b => CurveFit.Through(Curve, t, b), s)).Within(1e-6));
        CurveFit.ThroughJvp(Curve, t, s, 1, 0, out double jt);
        Assert.That(jt, Is.EqualTo(dt).Within(1e-12));
    }

    [Test]
    public void Differentiable_instance_rule_gives_second_derivatives()
    {
        var fit = new CurveFit(Curve);
        double t = 0.4, w = 1.3, u = t * w;
        var hessian = new double[4];
        fit.LossHessian(t, w, hessian);
        // With C′ from the rule and C″ from the rule's rule: ∂tt = C″w³ + 1, ∂tw = C″tw² + 2wC′, ∂ww = C″t²w + 2tC′.
        double c1 = Curve.Slope(u), c2 = Curve.Curvature(u);
        var closed = new[] { c2 * w * w * w + 1, c2 * t * w * w + 2 * w * c1, c2 * t * w * w + 2 * w * c1, c2 * t * t * w + 2 * t * c1 };
        for (int i = 0; i < 4; i++) Assert.That(hessian[i], Is.EqualTo(closed[i]).Within(1e-12), $"H[{i / 2},{i % 2}]");
    }
}
