using System;
using System.Collections.Generic;
using System.Linq;
using AutoDiff.Generator.Ir;

namespace AutoDiff.Generator.Derivatives
{
    /// <summary>
    /// What forward mode hands a rule's pushforward: the instruction being differentiated, its operands and value as copied
    /// into the function being built, and the operands' tangents. Operands are addressed by index into
    /// <see cref="Instr"/>'s <c>Args</c>.
    /// </summary>
    public interface ITangentSite
    {
        IrBuilder B { get; }

        /// <summary>The instruction of the function being differentiated.</summary>
        Instr Instr { get; }

        /// <summary>Operand <paramref name="index"/>, as copied.</summary>
        int Arg(int index);

        /// <summary>The instruction's value, as copied (not available to a rule that <see cref="DerivativeRule.ReplacesPrimal"/>).</summary>
        int Value { get; }

        bool HasTangent(int index);

        /// <summary>The tangent of an operand that <see cref="HasTangent"/>.</summary>
        int Tangent(int index);

        /// <summary>The operand's tangent, or a zero: a constant for a scalar, a zeroed scratch span of its length for a sequence.</summary>
        int TangentOrZero(int index);

        /// <summary>The tangent of a span the instruction adds into, or a zeroed scratch span of its length that nothing reads.</summary>
        int TangentOrSink(int index);

        /// <summary>Gives the instruction's value its tangent.</summary>
        void SetTangent(int tangent);

        /// <summary>For a rule that <see cref="DerivativeRule.ReplacesPrimal"/>: the values of the instruction's results and their tangents.</summary>
        void SetResults(IReadOnlyList<int> values, IReadOnlyList<int> tangents);
    }

    /// <summary>
    /// What reverse mode hands a rule's pullback: the instruction, its operands and value as the reverse sweep sees them, the
    /// cotangent of its value, and where each operand's contribution goes.
    /// </summary>
    public interface IAdjointSite
    {
        IrBuilder B { get; }

        Instr Instr { get; }

        int Arg(int index);

        int Value { get; }

        /// <summary>The adjoint flowing into the instruction's value.</summary>
        int Cotangent { get; }

        /// <summary>Whether operand <paramref name="index"/> varies with the active parameters (its adjoint is wanted).</summary>
        bool IsVaried(int index);

        /// <summary>Adds cotangent·<paramref name="partial"/> into a scalar operand's adjoint (the reverse sweep keeps chains of partials short).</summary>
        void AddScaled(int index, int partial);

        /// <summary>Adds <paramref name="contribution"/> into a scalar operand's adjoint, if the operand varies.</summary>
        void Add(int index, int contribution);

        /// <summary>The adjoint span of a sequence operand, which a pullback adds into; for data that does not vary, a scratch span that nothing reads.</summary>
        int SequenceAdjoint(int index);
    }

    /// <summary>Builds an instruction's tangent into <see cref="ITangentSite.B"/>.</summary>
    public delegate void Pushforward(ITangentSite site);

    /// <summary>Builds the contributions of an instruction's cotangent to its operands' adjoints into <see cref="IAdjointSite.B"/>.</summary>
    public delegate void Pullback(IAdjointSite site);

    /// <summary>
    /// A derivative rule: a pushforward <c>(args, tangents) → tangent</c> and a pullback <c>(args, cotangent) → contributions</c>,
    /// both IR builders (as Clad's <c>_pushforward</c>/<c>_pullback</c>, Swift's <c>@derivative(of:)</c>). Every operation with a
    /// derivative has one, from <see cref="RuleTable.For"/>: arithmetic and Math functions (from their partials,
    /// <see cref="FromPartials"/>), AdMath span functions, calls through companions (a [Differentiable] callee's Jvp/Vjp, or a
    /// [DerivativeOf] rule's), and the reverse-sweep operations forward-over-reverse differentiates again. Forward and reverse
    /// mode ask for the rule and call it; they know no function by name.
    /// </summary>
    public sealed class DerivativeRule
    {
        private readonly Func<Instr, int, bool> _carries;
        private readonly Func<Instr, Func<int, bool>, bool>? _varies;
        private readonly Func<Instr, Func<int, bool>, IEnumerable<int>> _reads;

        public DerivativeRule(Pushforward pushforward, Pullback? pullback, Func<Instr, int, bool> carries, Func<Instr, Func<int, bool>, IEnumerable<int>> pullbackReads,
            bool readsElements = false, bool replacesPrimal = false, Func<Instr, Func<int, bool>, bool>? varies = null, PartialBuilder?[]? partials = null)
        {
            Push = pushforward;
            Pull = pullback;
            _carries = carries;
            _reads = pullbackReads;
            ReadsElements = readsElements;
            ReplacesPrimal = replacesPrimal;
            _varies = varies;
            Partials = partials;
        }

        public Pushforward Push { get; }

        /// <summary>Null for an operation that only forward-over-reverse meets (the reverse sweep's own operations).</summary>
        public Pullback? Pull { get; }

        /// <summary>Whether the pullback reads the elements of sequence operands (so a buffer changed later is put back first).</summary>
        public bool ReadsElements { get; }

        /// <summary>Whether the pushforward makes the instruction's values itself, in place of a copy of it (a call that returns its tangents too).</summary>
        public bool ReplacesPrimal { get; }

        /// <summary>The partials, for a rule made from them (the reverse sweep's record plan looks into them).</summary>
        public PartialBuilder?[]? Partials { get; }

        /// <summary>Whether operand <paramref name="index"/> of <paramref name="instr"/> carries a derivative into its value.</summary>
        public bool Carries(Instr instr, int index) => _carries(instr, index);

        /// <summary>Whether the instruction has a derivative to build, given which values vary.</summary>
        public bool Varies(Instr instr, Func<int, bool> isVaried)
        {
            if (_varies != null) return _varies(instr, isVaried);
            for (int i = 0; i < instr.Args.Count; i++) if (_carries(instr, i) && isVaried(instr.Args[i])) return true;
            return false;
        }

        /// <summary>
        /// The operands (by index; the operand count stands for the value) the pullback reads, when the operands
        /// <paramref name="isVaried"/> accepts (by index) want adjoints.
        /// </summary>
        public IEnumerable<int> PullbackReads(Instr instr, Func<int, bool> isVaried) => _reads(instr, isVaried);

        /// <summary>This rule with another pushforward.</summary>
        public DerivativeRule WithPushforward(Pushforward pushforward) =>
            new DerivativeRule(pushforward, Pull, _carries, _reads, ReadsElements, ReplacesPrimal, _varies, Partials);

        /// <summary>
        /// The rule of an operation given by its partials ∂value/∂argᵢ: the pushforward is Σ partialᵢ·tangentᵢ, the pullback
        /// adds cotangent·partialᵢ into each operand's adjoint. An operand used twice (x·x) gets the sum of its partials.
        /// </summary>
        public static DerivativeRule FromPartials(PartialBuilder?[] partials) =>
            new DerivativeRule(
                site =>
                {
                    int? sum = null;
                    foreach (var (index, partial) in ByOperand(site.B, site.Instr, partials, site.Arg, site.Value, site.HasTangent))
                    {
                        int term = site.B.Mul(site.B.Convert(site.Tangent(index), site.Instr.Type), partial);
                        sum = sum == null ? term : site.B.Add(sum.Value, term);
                    }
                    if (sum != null) site.SetTangent(sum.Value);
                },
                site =>
                {
                    foreach (var (index, partial) in ByOperand(site.B, site.Instr, partials, site.Arg, site.Value, site.IsVaried)) site.AddScaled(index, partial);
                },
                (instr, i) => i < partials.Length && partials[i] != null,
                (instr, isVaried) => Enumerable.Range(0, instr.Args.Count).Where(i => i < partials.Length && partials[i] != null && isVaried(i)).SelectMany(i => PartialReads(instr, partials, i)),
                partials: partials);

        /// <summary>The partials with respect to each distinct operand <paramref name="include"/> accepts, by the operand's first index.</summary>
        private static List<(int Index, int Partial)> ByOperand(IrBuilder b, Instr instr, PartialBuilder?[] partials, Func<int, int> arg, int value, Func<int, bool> include)
        {
            var args = new int[instr.Args.Count];
            for (int i = 0; i < args.Length; i++) args[i] = arg(i);
            var grouped = new List<(int Index, int Partial)>();
            for (int i = 0; i < instr.Args.Count; i++)
            {
                if (partials[i] == null || !include(i)) continue;
                int partial = partials[i]!(b, args, value);
                int k = grouped.Count - 1;
                while (k >= 0 && instr.Args[grouped[k].Index] != instr.Args[i]) k--;
                if (k < 0) grouped.Add((i, partial));
                else grouped[k] = (grouped[k].Index, b.Add(grouped[k].Partial, partial));
            }
            return grouped;
        }

        /// <summary>Read for every instruction reverse mode records: a concurrent dictionary, whose reads take no lock.</summary>
        private static readonly System.Collections.Concurrent.ConcurrentDictionary<(Op, Intrinsic, string?, int, int), int[]> PartialReadsCache = new System.Collections.Concurrent.ConcurrentDictionary<(Op, Intrinsic, string?, int, int), int[]>();

        /// <summary>
        /// Which operands (by index; the operand count stands for the value) the partial for operand <paramref name="index"/>
        /// reads, found by building it once over placeholders.
        /// </summary>
        private static int[] PartialReads(Instr instr, PartialBuilder?[] partials, int index)
        {
            // (A [DerivativeOf] rule's partial is a call of the rule on all the operands, whichever rule it is.)
            var key = (instr.Op, instr.Fn, (string?)null, instr.Args.Count, index);
            if (PartialReadsCache.TryGetValue(key, out var cached)) return cached;
            var probe = new IrBuilder();
            var placeholders = Enumerable.Range(0, instr.Args.Count + 1).Select(i => probe.Param("p" + i, instr.Type)).ToArray();
            var args = placeholders.Take(instr.Args.Count).ToArray();
            var read = new HashSet<int> { partials[index]!(probe, args, placeholders[instr.Args.Count]) };
            foreach (var i in probe.Body) foreach (int a in i.Args) read.Add(a);
            var result = Enumerable.Range(0, placeholders.Length).Where(i => read.Contains(placeholders[i])).ToArray();
            PartialReadsCache[key] = result;
            return result;
        }
    }
}
