using System;
using System.Linq;
using System.Reflection;
using AutoDiff.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Calls;

/// <summary>
/// Issue 16: calls to [Differentiable] instance methods on another object than this one (a parameter, a field, a property,
/// a local, an element of an array of objects, an instance of a generic class). The receiver is the call's first operand,
/// never differentiated; the callee's companions are called on it (<c>model.PredictVjp(…)</c>), and a receiver with effects
/// is evaluated once, in order. An interface or virtual method, whose implementation is only known at run time, and a call on
/// a struct value get ADIFF005; a receiver with effects inside a loop or branch gets ADIFF004.
/// </summary>
public class InstanceReceiverTests
{
    private const DiagnosticSeverity Error = DiagnosticSeverity.Error;

    private const string Types = """
        public sealed partial class Model
        {
            public double W;
            public Model(double w) { W = w; }
            [Differentiable] public double Predict(double x) => W * Math.Sin(x) * x;
        }
        public partial class Layer<T>
        {
            public double Scale = 0.5;
            [Differentiable] public double Forward(double h, double g) => Scale * h * h * g;
        }
        """;

    private static readonly string Source = DiagnosticCase.Source(Types + """

        public partial class Net
        {
            private readonly Model _model = new Model(1.25);
            public Model Prop { get; } = new Model(-0.75);
            public Layer<int> L = new Layer<int>();
            public Model[] Layers = { new Model(0.5), new Model(2.0), new Model(-1.5) };
            public int Count;
            public Model Next() { Count++; return _model; }

            [Differentiable] public double F(double x, double y, Model m) => m.Predict(x) * _model.Predict(x * y) + Prop.Predict(y) + L.Forward(x, y);
            [Differentiable] public double G(double x) { var m = Next(); return m.Predict(x) + Next().Predict(2 * x) * x; }
            [Differentiable] public double H(double x) { double s = x; for (int i = 0; i < Layers.Length; i++) s = Layers[i].Predict(s) + 0.5 * s; return s; }
            [Differentiable] public double K(double x) { var m = Next(); double s = x; for (int i = 0; i < 3; i++) s = m.Predict(s) + 0.1 * s; return s; }
        }
        """);

    private static double P(double w, double t) => w * Math.Sin(t) * t;

    private static double DP(double w, double t) => w * (Math.Cos(t) * t + Math.Sin(t));

    private sealed class Instance
    {
        private readonly LoadedAssembly _loaded;

        public Instance(LoadedAssembly loaded)
        {
            _loaded = loaded;
            Object = Activator.CreateInstance(loaded.Type("Demo.Net"))!;
        }

        public object Object { get; }

        public int Count => (int)Object.GetType().GetField("Count")!.GetValue(Object)!;

        public object? Call(string method, object?[] args) =>
            Object.GetType().GetMethod(method, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance)!.Invoke(Object, args);

        public object NewModel(double w) => Activator.CreateInstance(_loaded.Type("Demo.Model"), w)!;
    }

    [Test]
    public void Receivers_a_parameter_a_field_a_property_and_a_generic_class_instance()
    {
        var run = GeneratorHarness.Run(Source);
        run.AssertNoErrors();
        // (G and K call Next(), which has effects: ADIFF014, no Hvp for them.)
        Assert.That(run.AnalyzerDiagnostics().Where(d => d.Severity != DiagnosticSeverity.Info), Is.Empty);
        using var loaded = run.Load();
        var net = new Instance(loaded);
        var m = net.NewModel(0.8);
        foreach (var (x, y) in new[] { (0.7, -1.2), (1.9, 0.4) })
        {
            double f(double a, double b) => (double)net.Call("F", new object?[] { a, b, m })!;
            var gradient = new object?[] { x, y, m, null, null };
            double value = (double)net.Call("FGradient", gradient)!;
            double dx = (double)gradient[3]!, dy = (double)gradient[4]!;
            Assert.That(value, Is.EqualTo(f(x, y)), "the primal, bit for bit");

            // F = P₀.₈(x)·P₁.₂₅(xy) + P₋₀.₇₅(y) + ½x²y.
            double handX = DP(0.8, x) * P(1.25, x * y) + P(0.8, x) * DP(1.25, x * y) * y + x * y;
            double handY = P(0.8, x) * DP(1.25, x * y) * x + DP(-0.75, y) + 0.5 * x * x;
            Assert.That(dx, Is.EqualTo(handX).Within(1e-12), "∂x, the hand formula");
            Assert.That(dy, Is.EqualTo(handY).Within(1e-12), "∂y, the hand formula");
            var check = GradientCheck.Check(p => f(p[0], p[1]), new[] { x, y }, new[] { dx, dy });
            Assert.That(check.Passed, check.ToString());

            var vjp = new object?[] { x, y, m, 0.5, 1.0, 2.0 };
            Assert.That((double)net.Call("FVjp", vjp)!, Is.EqualTo(value), "Vjp's primal");
            Assert.That((double)vjp[4]!, Is.EqualTo(1.0 + 0.5 * dx).Within(1e-12), "reverse mode adds into the adjoints");
            Assert.That((double)vjp[5]!, Is.EqualTo(2.0 + 0.5 * dy).Within(1e-12));

            var jvp = new object?[] { x, y, m, 0.3, -0.6, null };
            Assert.That((double)net.Call("FJvp", jvp)!, Is.EqualTo(value), "Jvp's primal");
            Assert.That((double)jvp[5]!, Is.EqualTo(0.3 * dx - 0.6 * dy).Within(1e-12), "forward mode against reverse mode");

            // H·v against central differences of the gradient.
            var hvp = new object?[] { x, y, m, 0.3, -0.6, null, null };
            Assert.That((double)net.Call("FHvp", hvp)!, Is.EqualTo(value), "Hvp's primal");
            const double h = 1e-5;
            var plus = new object?[] { x + 0.3 * h, y - 0.6 * h, m, null, null };
            var minus = new object?[] { x - 0.3 * h, y + 0.6 * h, m, null, null };
            net.Call("FGradient", plus);
            net.Call("FGradient", minus);
            Assert.That((double)hvp[5]!, Is.EqualTo(((double)plus[3]! - (double)minus[3]!) / (2 * h)).Within(1e-6), "H·v, x");
            Assert.That((double)hvp[6]!, Is.EqualTo(((double)plus[4]! - (double)minus[4]!) / (2 * h)).Within(1e-6), "H·v, y");
        }
    }

    [Test]
    public void A_receiver_with_effects_is_evaluated_once_per_call_in_order()
    {
        var run = GeneratorHarness.Run(Source);
        run.AssertNoErrors();
        using var loaded = run.Load();
        var net = new Instance(loaded);
        const double x = 0.9;
        double value = (double)net.Call("G", new object?[] { x })!;
        Assert.That(net.Count, Is.EqualTo(2), "the method itself calls Next() twice");
        double hand = DP(1.25, x) + DP(1.25, 2 * x) * 2 * x + P(1.25, 2 * x);

        var gradient = new object?[] { x, null };
        Assert.That((double)net.Call("GGradient", gradient)!, Is.EqualTo(value), "Gradient's primal, bit for bit");
        Assert.That(net.Count, Is.EqualTo(4), "Gradient calls Next() twice");
        Assert.That((double)gradient[1]!, Is.EqualTo(hand).Within(1e-12), "the hand formula");

        var vjp = new object?[] { x, 1.5, 0.0 };
        Assert.That((double)net.Call("GVjp", vjp)!, Is.EqualTo(value));
        Assert.That(net.Count, Is.EqualTo(6), "Vjp calls Next() twice");
        Assert.That((double)vjp[2]!, Is.EqualTo(1.5 * hand).Within(1e-12));

        var jvp = new object?[] { x, 1.0, null };
        Assert.That((double)net.Call("GJvp", jvp)!, Is.EqualTo(value));
        Assert.That(net.Count, Is.EqualTo(8), "Jvp calls Next() twice");
        Assert.That((double)jvp[2]!, Is.EqualTo(hand).Within(1e-12), "forward mode");

        // The receiver is bound once and both calls on it use that binding.
        string generated = run.Generated("Demo.Net.G.g.cs");
        string gradientBody = generated.Substring(generated.IndexOf("GGradient(", StringComparison.Ordinal));
        gradientBody = gradientBody.Substring(0, gradientBody.IndexOf("GVjp(", StringComparison.Ordinal));
        Assert.That(gradientBody.Split("Next()").Length - 1, Is.EqualTo(2), gradientBody);
    }

    [TestCase("H", 0.6)]
    [TestCase("H", -1.3)]
    [TestCase("K", 0.4)]
    public void Receivers_in_a_loop(string name, double x)
    {
        var run = GeneratorHarness.Run(Source);
        run.AssertNoErrors();
        using var loaded = run.Load();
        var net = new Instance(loaded);
        double f(double v) => (double)net.Call(name, new object?[] { v })!;
        double value = f(x);
        int count = net.Count;

        var gradient = new object?[] { x, null };
        Assert.That((double)net.Call(name + "Gradient", gradient)!, Is.EqualTo(value), "the primal, bit for bit");
        // K binds Next() once before its loop: its Gradient calls it once too, as the method does; H calls nothing.
        Assert.That(net.Count - count, Is.EqualTo(name == "K" ? 1 : 0), "calls of Next() by the Gradient");
        double dx = (double)gradient[1]!;
        var check = GradientCheck.Check(p => f(p[0]), new[] { x }, new[] { dx });
        Assert.That(check.Passed, check.ToString());

        var jvp = new object?[] { x, 1.0, null };
        Assert.That((double)net.Call(name + "Jvp", jvp)!, Is.EqualTo(value));
        Assert.That((double)jvp[2]!, Is.EqualTo(dx).Within(1e-12), "forward mode against reverse mode");

        if (name == "H")
        {
            var hvp = new object?[] { x, 1.0, null };
            Assert.That((double)net.Call("HHvp", hvp)!, Is.EqualTo(value));
            const double h = 1e-5;
            var plus = new object?[] { x + h, null };
            var minus = new object?[] { x - h, null };
            net.Call("HGradient", plus);
            net.Call("HGradient", minus);
            Assert.That((double)hvp[2]!, Is.EqualTo(((double)plus[1]! - (double)minus[1]!) / (2 * h)).Within(1e-6), "H·v against differences of the gradient");
        }
    }

    [Test]
    public void Snapshot_of_calls_on_other_objects()
    {
        var run = GeneratorHarness.Run(Source);
        run.AssertNoErrors();
        Snapshot.VerifyCompanion(run, "F", "Vjp");
        Snapshot.VerifyCompanion(run, "F", "Jvp");
        Snapshot.VerifyCompanion(run, "H", "Hvp");
    }

    [Test]
    public void A_sealed_class_override_is_the_method_that_runs()
    {
        var run = GeneratorHarness.Run(DiagnosticCase.Source("""
            public partial class Base { [Differentiable] public virtual double V(double x) => x * x; }
            public sealed partial class Derived : Base { [Differentiable] public override double V(double x) => x * x * x; }
            public static partial class Fns
            {
                [Differentiable] public static double F(double x, Derived d) => d.V(x);
            }
            """));
        run.AssertNoErrors();
        Assert.That(run.AnalyzerDiagnostics(), Is.Empty);
        using var loaded = run.Load();
        var d = Activator.CreateInstance(loaded.Type("Demo.Derived"))!;
        var args = new object?[] { 1.5, d, null };
        Assert.That((double)loaded.Invoke("Demo.Fns", "FGradient", args)!, Is.EqualTo(1.5 * 1.5 * 1.5));
        Assert.That((double)args[2]!, Is.EqualTo(3 * 1.5 * 1.5).Within(1e-12), "Derived.V's derivative, not Base.V's");
    }

    [Test]
    public void ADIFF005_for_an_interface_method_whose_implementation_is_not_known()
    {
        var c = DiagnosticCase.For(DiagnosticCase.Source("""
            public interface IModel { double Predict(double x); }
            public sealed partial class Model : IModel { [Differentiable] public double Predict(double x) => x * x; }
            public static partial class Fns
            {
                [Differentiable] public static double F(double x, IModel m) => [|m.Predict(x)|] * x;
            }
            """));

        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF005", Error, "'Demo.IModel.Predict'", "an interface method called on 'm'", "only known at run time", "[DerivativeOf]"));
        c.AssertGenerated("Demo.Model.Predict.g.cs");
        c.AssertGeneratorClean();
    }

    [Test]
    public void ADIFF005_for_a_virtual_method_on_a_type_that_may_be_derived_from()
    {
        var c = DiagnosticCase.For(DiagnosticCase.Source("""
            public partial class Base { [Differentiable] public virtual double V(double x) => x * x; }
            public static partial class Fns
            {
                [Differentiable] public static double F(double x, Base b) => [|b.V(x)|];
                [Differentiable] public static double G(double x) => x * x;
            }
            """));

        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF005", Error, "'Demo.Base.V'", "a virtual method called on 'b'", "only known at run time"));
        c.AssertGenerated("Demo.Base.V.g.cs", "Demo.Fns.G.g.cs");
        c.AssertGeneratorClean();
    }

    /// <summary>On this instance too: a derived class may override it, and the base's companions would be called.</summary>
    [Test]
    public void ADIFF005_for_a_virtual_method_on_this()
    {
        var c = DiagnosticCase.For(DiagnosticCase.Source("""
            public partial class Base
            {
                [Differentiable] public virtual double V(double x) => x * x;
                [Differentiable] public double F(double x) => [|V(x)|] * x;
            }
            """));

        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF005", Error, "'Demo.Base.V'", "a virtual method called on 'this'", "only known at run time"));
        c.AssertGeneratorClean();
    }

    [Test]
    public void A_Differentiable_method_on_a_struct_value_is_differentiated_in_place()
    {
        var c = DiagnosticCase.For(DiagnosticCase.Source("""
            public partial struct S { public double K; [Differentiable] public double M(double x) => K * x; }
            public static partial class Fns
            {
                [Differentiable] public static double F(double x, [NoDerivative] S s) => s.M(x);
            }
            """));

        // Value types (issue 16): the struct method's body is differentiated in place of the call (numbers: ValueTypes/StructTests).
        c.AssertAnalyzer();
        c.AssertGeneratorClean();
    }

    [Test]
    public void ADIFF004_for_a_receiver_with_effects_inside_a_loop()
    {
        var c = DiagnosticCase.For(DiagnosticCase.Source(Types + """

            public partial class Net
            {
                private readonly Model _model = new Model(1.25);
                public Model Next() => _model;
                [Differentiable] public double F(double x) { double s = x; for (int i = 0; i < 2; i++) s = [|Next()|].Predict(s); return s; }
            }
            """));

        c.AssertAnalyzer(new ExpectedDiagnostic("ADIFF004", Error, "calling 'Predict' on 'Next()'", "inside a loop or branch", "assign it to a local before the loop"));
        c.AssertGeneratorClean();
    }

    [Test]
    public void An_inlined_callee_on_another_object_is_copied_only_when_it_does_not_read_this()
    {
        var run = GeneratorHarness.Run(DiagnosticCase.Source("""
            public sealed partial class Model
            {
                public double W = 1.5;
                [Differentiable(Inline = true)] public double Twice(double x) => 2 * x * x;
                [Differentiable(Inline = true)] public double TwiceW(double x) => W * x * x;
            }
            public static partial class Fns
            {
                [Differentiable] public static double F(double x, Model m) => m.Twice(x) + m.TwiceW(x);
            }
            """));
        run.AssertNoErrors();
        string generated = run.Generated("Demo.Fns.F.g.cs");
        Assert.That(generated, Does.Not.Contain("TwiceVjp(").And.Contain("m.TwiceWVjp("), "Twice is copied in place; TwiceW reads m.W, so it is called");
        using var loaded = run.Load();
        var m = Activator.CreateInstance(loaded.Type("Demo.Model"))!;
        var args = new object?[] { 0.7, m, null };
        Assert.That((double)loaded.Invoke("Demo.Fns", "FGradient", args)!, Is.EqualTo((double)loaded.Invoke("Demo.Fns", "F", new object?[] { 0.7, m })!));
        Assert.That((double)args[2]!, Is.EqualTo(4 * 0.7 + 3 * 0.7).Within(1e-12));
    }
}
