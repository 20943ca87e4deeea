using System.Collections.Generic;
using System.Linq;
using AutoDiff.Generator.Ir;

namespace AutoDiff.Generator.Analysis
{
    /// <summary>
    /// How many iterations a loop will run (or at most), known when it starts: from a condition
    /// <c>p &lt; n</c>, <c>p &lt;= n</c>, <c>p &gt; n</c> or <c>p &gt;= n</c> over a carried integer <c>p</c> (an int, a long…) that every
    /// iteration moves by one towards the loop-invariant bound <c>n</c>.
    /// </summary>
    /// <param name="Counter">Which carried value is <c>p</c>.</param>
    /// <param name="Bound">The value <c>n</c>, defined outside the loop (or built from such values inside its condition).</param>
    /// <param name="Step">+1 (the condition is <c>p &lt; n</c> or <c>p &lt;= n</c>) or −1 (<c>p &gt; n</c>, <c>p &gt;= n</c>).</param>
    /// <param name="Inclusive">Whether the comparison admits <c>p == n</c>.</param>
    /// <param name="ConstantTrips">The count (or bound on it) when start and bound are constants.</param>
    /// <param name="Exact">Whether the loop runs exactly that many times, not at most.</param>
    public sealed record TripCount(int Counter, int Bound, int Step, bool Inclusive, long? ConstantTrips, bool Exact);

    /// <summary>
    /// Trip counts known when a loop starts, from its condition and how its body moves a counter. The emitter
    /// reserves tape room from them; the reverse transform computes a loop's iteration count from an exact one
    /// instead of recording it.
    /// </summary>
    public sealed class LoopTrips
    {
        /// <summary>The largest upper bound on the iterations of a loop that may exit early that is reported.</summary>
        public const long MaxBoundedTrips = 4096;

        private readonly FunctionInfo _info;

        private LoopTrips(FunctionInfo info)
        {
            _info = info;
        }

        /// <summary>The trip counts of <paramref name="function"/>'s loops (its <see cref="FunctionInfo.Trips"/>).</summary>
        public static LoopTrips Of(IrFunction function) => FunctionInfo.Of(function).Trips;

        internal static LoopTrips Of(FunctionInfo info) => new LoopTrips(info);

        public TypeRef TypeOf(int value) => _info.TypeOf(value);

        /// <summary>The loop's trip count, exact or (for a condition with more conjuncts) a constant upper bound; null if neither is known on entry.</summary>
        public TripCount? Trips(Instr loop)
        {
            var condition = loop.Regions[0];
            var body = loop.Regions[1];
            var conjuncts = new List<int>();
            Conjuncts(condition.Yields[0], conjuncts);
            bool exact = conjuncts.Count == 1;
            TripCount? best = null;
            foreach (int c in conjuncts)
            {
                if (!(Comparison(c, condition, loop) is var (counter, bound, step, inclusive))) continue;
                int start = loop.Args[counter];
                long? constant = null;
                if (IsConst(start, out double p0) && IsConst(bound, out double n))
                {
                    long a = step > 0 ? (long)n : (long)p0, b = step > 0 ? (long)p0 : (long)n;
                    constant = System.Math.Max(0, a - b + (inclusive ? 1 : 0));
                }
                if (!exact && (constant == null || constant > MaxBoundedTrips)) continue;
                int pb = body.Params[counter].Id;
                var advance = Advance(body.Yields[counter], pb, loop, conjuncts, allowStay: !exact);
                if (advance != step) continue;
                if (best == null || (constant != null && (best.ConstantTrips == null || constant < best.ConstantTrips)))
                {
                    best = new TripCount(counter, bound, step, inclusive, constant, exact);
                }
            }
            return best;
        }

        /// <summary>The operands of a chain of <c>&amp;&amp;</c>: <c>and</c>, or an if yielding the right operand or false.</summary>
        private void Conjuncts(int value, List<int> into)
        {
            if (_info.TryGetDefinition(value, out var d))
            {
                if (d.Op == Op.And && !d.HasRegions)
                {
                    Conjuncts(d.Args[0], into);
                    Conjuncts(d.Args[1], into);
                    return;
                }
                if (d.Op == Op.If && d.Results.Count == 1 && d.Results[0].Id == value && IsBool(d.Regions[1].Yields[0], false))
                {
                    Conjuncts(d.Args[0], into);
                    Conjuncts(d.Regions[0].Yields[0], into);
                    return;
                }
            }
            into.Add(value);
        }

        /// <summary><c>p op n</c> (or <c>n op p</c>) with <c>p</c> a carried integer and <c>n</c> loop-invariant, as (p's index, n, step, inclusive).</summary>
        private (int Counter, int Bound, int Step, bool Inclusive)? Comparison(int value, Region condition, Instr loop)
        {
            if (!_info.TryGetDefinition(value, out var d) || d.HasRegions) return null;
            if (d.Op != Op.Lt && d.Op != Op.Le && d.Op != Op.Gt && d.Op != Op.Ge) return null;
            int left = d.Args[0], right = d.Args[1];
            var op = d.Op;
            int counter = CounterIndex(left, condition);
            if (counter < 0)
            {
                counter = CounterIndex(right, condition);
                if (counter < 0) return null;
                (left, right) = (right, left);
                op = op == Op.Lt ? Op.Gt : op == Op.Le ? Op.Ge : op == Op.Gt ? Op.Lt : Op.Le;
            }
            if (!IsInt(right) || !Invariant(right, loop)) return null;
            int step = op == Op.Lt || op == Op.Le ? 1 : -1;
            return (counter, right, step, op == Op.Le || op == Op.Ge);
        }

        private int CounterIndex(int value, Region condition)
        {
            for (int i = 0; i < condition.Params.Count; i++)
            {
                if (condition.Params[i].Id == value && IsInt(value)) return i;
            }
            return -1;
        }

        /// <summary>An integer a count can be taken of as a long: any but a ulong.</summary>
        private bool IsInt(int value) => _info.TypeOf(value) is var t && t.Kind == ValueKind.Integer && t.Display != "ulong";

        /// <summary>
        /// Whether <paramref name="value"/> is known when <paramref name="loop"/> starts and the same in all its iterations: defined
        /// outside it, or computed in it from such values by integer arithmetic or a length (a constant, <c>n - 1</c>,
        /// <c>xs.Length</c>); so it can be computed again before the loop.
        /// </summary>
        public bool Invariant(int value, Instr loop)
        {
            if (!_info.IsInside(value, loop)) return true;
            if (!_info.TryGetDefinition(value, out var d) || d.HasRegions) return false;
            switch (d.Op)
            {
                case Op.Const:
                    return true;
                case Op.Length:
                    // a.Length, a.GetLength(1), a jagged row's a[i].Length: invariant when the array and the dimension or row are.
                    return !_info.IsInside(d.Args[0], loop) && (d.Args.Count == 1 || Invariant(d.Args[1], loop));
                case Op.Add:
                case Op.Sub:
                case Op.Mul:
                case Op.Neg:
                    return d.Args.All(a => IsInt(a) && Invariant(a, loop));
                default:
                    return false;
            }
        }

        /// <summary>
        /// How the body moves the counter <paramref name="pb"/> on every path: +1, −1, or 0 when it does not
        /// move it the same way on all of them. With <paramref name="allowStay"/>, a path that leaves it
        /// unchanged counts as moving it when the if it takes sets an exit flag that the condition tests.
        /// </summary>
        private int Advance(int value, int pb, Instr loop, List<int> conjuncts, bool allowStay)
        {
            const int Stay = 2;
            int Walk(int v)
            {
                if (v == pb) return Stay;
                if (!_info.TryGetDefinition(v, out var d)) return 0;
                if (!d.HasRegions && (d.Op == Op.Add || d.Op == Op.Sub))
                {
                    double c;
                    if (d.Args[0] == pb && IsConst(d.Args[1], out c) && (c == 1 || c == -1)) return d.Op == Op.Add ? (int)c : -(int)c;
                    if (d.Op == Op.Add && d.Args[1] == pb && IsConst(d.Args[0], out c) && (c == 1 || c == -1)) return (int)c;
                    return 0;
                }
                if (d.Op == Op.If)
                {
                    int index = IndexOfResult(d, v);
                    if (index < 0) return 0;
                    int then = Walk(d.Regions[0].Yields[index]), otherwise = Walk(d.Regions[1].Yields[index]);
                    if (then == otherwise) return then;
                    if (allowStay && otherwise == Stay && (then == 1 || then == -1) && Ends(d.Args[0], false, loop, conjuncts)) return then;
                    if (allowStay && then == Stay && (otherwise == 1 || otherwise == -1) && Ends(d.Args[0], true, loop, conjuncts)) return otherwise;
                }
                return 0;
            }
            int result = Walk(value);
            return result == Stay ? 0 : result;
        }

        private static int IndexOfResult(Instr instr, int value)
        {
            for (int i = 0; i < instr.Results.Count; i++)
            {
                if (instr.Results[i].Id == value) return i;
            }
            return -1;
        }

        /// <summary>
        /// Whether <paramref name="guard"/> having the value <paramref name="when"/> at the end of an iteration
        /// makes the next test of the condition fail: the condition has a conjunct ¬X over carried flags, and
        /// the guard is X (or its negation ¬X is the guard being false) over the values the body yields for them.
        /// </summary>
        private bool Ends(int guard, bool when, Instr loop, List<int> conjuncts)
        {
            int implied;
            if (when) implied = guard;
            else if (_info.TryGetDefinition(guard, out var g) && g.Op == Op.Not && !g.HasRegions) implied = g.Args[0];
            else return false;
            foreach (int c in conjuncts)
            {
                if (_info.TryGetDefinition(c, out var d) && d.Op == Op.Not && !d.HasRegions && Same(implied, d.Args[0], loop)) return true;
            }
            return false;
        }

        /// <summary>Whether a value of the body is the condition's value <paramref name="test"/> of the next iteration.</summary>
        private bool Same(int value, int test, Instr loop)
        {
            var condition = loop.Regions[0];
            var body = loop.Regions[1];
            for (int i = 0; i < condition.Params.Count; i++)
            {
                if (condition.Params[i].Id == test) return body.Yields[i] == value;
            }
            if (!_info.TryGetDefinition(value, out var a) || !_info.TryGetDefinition(test, out var b) || a.HasRegions || b.HasRegions) return false;
            if (a.Op != b.Op || (a.Op != Op.Or && a.Op != Op.And && a.Op != Op.Not) || a.Args.Count != b.Args.Count) return false;
            for (int i = 0; i < a.Args.Count; i++)
            {
                if (!Same(a.Args[i], b.Args[i], loop)) return false;
            }
            return true;
        }

        private bool IsConst(int value, out double number) => _info.IsConst(value, out number);

        private bool IsBool(int value, bool expected) =>
            IsConst(value, out double n) && _info.TypeOf(value).Kind == ValueKind.Bool && (n != 0) == expected;
    }
}
