using System.Collections.Generic;
using System.Linq;
using AutoDiff.Generator.Emit;
using AutoDiff.Generator.Frontend;
using AutoDiff.Generator.Ir;
using AutoDiff.Generator.Tests.Infrastructure;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Stages;

/// <summary>
/// The IR of methods as the generator builds it, for stage tests: the lowered primal of each method of a run (the
/// pipeline's tracked model step), and the functions the transforms make from it.
/// </summary>
public static class StageIr
{
    /// <summary>The model of each [Differentiable] method of <paramref name="run"/> (its <c>Primal</c> is the lowered IR, null when it has errors).</summary>
    public static IReadOnlyList<MethodModel> Models(GeneratorRun run) =>
        run.Result.Results.SelectMany(r => r.TrackedSteps.TryGetValue(TrackingNames.Model, out var steps) ? steps : Enumerable.Empty<Microsoft.CodeAnalysis.IncrementalGeneratorRunStep>())
            .SelectMany(step => step.Outputs).Select(output => output.Value).OfType<MethodModel>().ToList();

    /// <summary>The lowered IR of the one method in <paramref name="member"/>, declared in <c>Demo.Fns</c>.</summary>
    public static IrFunction Lower(string member)
    {
        var run = GeneratorHarness.Run(Wrap(member));
        run.AssertNoErrors();
        return Models(run).Single().Primal!;
    }

    public static string Wrap(string member) =>
        "using System;\nusing AutoDiff;\nnamespace Demo\n{\n    public static partial class Fns\n    {\n" + member + "\n    }\n}\n";

    /// <summary>The lowered primal and every companion function the transforms build from it.</summary>
    public static IEnumerable<IrFunction> Functions(MethodModel model)
    {
        yield return model.Primal!;
        var companions = Companions.Build(model, default);
        foreach (var f in new[] { companions.Jvp, companions.Vjp, companions.Gradient, companions.Hvp, companions.VjpTangent })
        {
            if (f != null) yield return f;
        }
    }

    /// <summary>Parses <paramref name="text"/> and checks that it is well formed and prints back as written (up to blank lines and comments).</summary>
    public static IrFunction Parse(string text)
    {
        var function = IrParser.Parse(text);
        Assert.That(IrVerifier.Verify(function), Is.Empty, "the input IR fails the verifier");
        return function;
    }

    public static string Print(IrFunction function) => IrPrinter.Print(function);

    /// <summary>Compares the printed <paramref name="function"/> with <c>Stages/_snapshots/{name}.verified.txt</c>, after checking it with the verifier.</summary>
    public static void Verify(IrFunction function, string name)
    {
        Assert.That(IrVerifier.Verify(function), Is.Empty, "the output IR fails the verifier");
        Snapshot.Verify(IrPrinter.Print(function), name, "txt");
    }

    /// <summary>How many instructions of <paramref name="function"/>, in nested regions too, are <paramref name="op"/>.</summary>
    public static int Count(IrFunction function, Op op) => All(function.Body).Count(i => i.Op == op);

    /// <summary>How many calls of <paramref name="fn"/> <paramref name="function"/> makes, in nested regions too.</summary>
    public static int Count(IrFunction function, Intrinsic fn) => All(function.Body).Count(i => i.Op == Op.Intrinsic && i.Fn == fn);

    /// <summary>Every instruction of <paramref name="body"/> and of the regions nested in it, in order.</summary>
    public static IEnumerable<Instr> All(IEnumerable<Instr> body)
    {
        foreach (var instr in body)
        {
            yield return instr;
            foreach (var region in instr.Regions)
            {
                foreach (var inner in All(region.Body)) yield return inner;
            }
        }
    }

    /// <summary>The instruction that defines <paramref name="value"/> (an if or loop for its results).</summary>
    public static Instr Definition(IrFunction function, int value) =>
        All(function.Body).First(i => i.Id == value || i.Results.Any(r => r.Id == value));

    public static int Result(IrFunction function, string name) => function.Results.Single(r => r.Name == name).Value;
}
