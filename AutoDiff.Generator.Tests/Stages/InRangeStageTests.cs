using System.Linq;
using AutoDiff.Generator.Ir;
using AutoDiff.Generator.Transforms;
using NUnit.Framework;

namespace AutoDiff.Generator.Tests.Stages;

/// <summary>
/// The <see cref="InRange"/> payload of an element access (no bounds check): what reverse mode marks, how it prints and
/// parses, and where the verifier allows it (one index into a one-dimensional parameter or buffer of the function).
/// </summary>
public class InRangeStageTests
{
    /// <summary>b[i] = sin x[i] for each i, then Σ b[i]·x[i]: the reverse sweep reads b and x again and adds into bAdj, xAdj.</summary>
    private const string Member = """
        [Differentiable]
        public static double F(ReadOnlySpan<double> x)
        {
            Span<double> b = stackalloc double[x.Length];
            for (int i = 0; i < x.Length; i++) b[i] = Math.Sin(x[i]);
            double s = 0;
            for (int i = 0; i < x.Length; i++)
            {
                b[i] = b[i] * x[i];
                s += b[i];
            }
            return s;
        }
        """;

    [Test]
    public void Reverse_mode_marks_the_accesses_of_its_reverse_sweep_only()
    {
        var primal = StageIr.Lower(Member);
        var vjp = Reverse.Transform(primal, new[] { 0 });
        StageIr.Verify(vjp, "InRange.Vjp");
        var accesses = StageIr.All(vjp.Body).Where(i => OpInfo.IndexesSequence(i.Op)).ToList();
        var marked = accesses.Where(i => i.Payload is InRange).ToList();
        // The forward sweep is the primal's code: as many unmarked accesses as the primal has; the reverse sweep's come after.
        int primalAccesses = StageIr.All(primal.Body).Count(i => OpInfo.IndexesSequence(i.Op));
        Assert.That(accesses.Count(i => i.Payload == null), Is.EqualTo(primalAccesses), "every access of the primal keeps its check");
        Assert.That(marked.Min(i => i.Id), Is.GreaterThan(accesses.Where(i => i.Payload == null).Max(i => i.Id)), "marked: the reverse sweep's, after the forward sweep");
        Assert.That(marked.Select(i => i.Op).Distinct(), Is.SupersetOf(new[] { Op.Read, Op.AddTo }), "re-reads and adjoint additions");
    }

    [Test]
    public void The_switch_off_marks_nothing_and_builds_the_same_code()
    {
        var primal = StageIr.Lower(Member);
        var on = Reverse.Transform(primal, new[] { 0 });
        var off = Reverse.Transform(primal, new[] { 0 }, System.Array.Empty<int>(), default, PassOptions.Default.Off(Pipeline.InRangeName));
        Assert.That(StageIr.All(off.Body).Any(i => i.Payload is InRange), Is.False);
        Assert.That(StageIr.Print(on).Replace(" {inRange: true}", ""), Is.EqualTo(StageIr.Print(off)));
    }

    private const string Marked = """
        func G(%0 x: global::System.ReadOnlySpan<double>, %1 i: int, %2 n: int)
          %3 = newbuffer global::System.Span<double> %2 {kind: Stackalloc}  ; b
          %4 = element double %0, %1 {inRange: true}
          %5 = write void %3, %1, %4 {inRange: true}
          %6 = addto void %3, %1, %4 {inRange: true}
          %7 = read double %3, %1 {inRange: true}
          return value = %7
        """;

    [Test]
    public void It_prints_and_parses_on_parameters_and_own_buffers()
    {
        var function = StageIr.Parse(Marked);
        Assert.That(StageIr.All(function.Body).Count(i => i.Payload is InRange), Is.EqualTo(4));
        Assert.That(StageIr.Print(IrParser.Parse(StageIr.Print(function))), Is.EqualTo(StageIr.Print(function)), "round trip");
        Assert.That(StageIr.Print(function), Does.Contain("%4 = element double %0, %1 {inRange: true}"));
    }

    [Test]
    public void The_verifier_refuses_it_on_an_array()
    {
        var function = IrParser.Parse("""
            func A(%0 x: double[], %1 i: int)
              %2 = element double %0, %1 {inRange: true}
              return value = %2
            """);
        Assert.That(IrVerifier.Verify(function), Has.Some.Contains("is in range only on a span parameter or span buffer"));
    }

    [Test]
    public void The_verifier_refuses_it_on_a_two_dimensional_array()
    {
        var function = IrParser.Parse("""
            func H(%0 m: double[,], %1 i: int)
              %2 = element double %0, %1, %1 {inRange: true}
              return value = %2
            """);
        Assert.That(IrVerifier.Verify(function), Has.Some.Contains("is in range only on a span parameter or span buffer"));
    }

    [Test]
    public void The_verifier_refuses_it_on_a_sequence_the_function_does_not_own()
    {
        // A span chosen at run time between a parameter and a buffer: neither's length is known to be the one checked.
        var function = IrParser.Parse("""
            func K(%0 x: global::System.Span<double>, %1 n: int)
              %2 = const int {value: 0}
              %3 = newbuffer global::System.Span<double> %1 {kind: Stackalloc}
              %4 = lt bool %2, %1
              %5 = select global::System.Span<double> %4, %0, %3
              %6 = read double %5, %2 {inRange: true}
              return value = %6
            """);
        Assert.That(IrVerifier.Verify(function), Has.Some.Contains("is in range only on a span parameter or span buffer"));
    }
}
