using System;
using System.Collections.Generic;
using System.Linq;

namespace AutoDiff.Generator.Ir
{
    /// <summary>Whether an op changes state or reads state that changes (<see cref="OpInfo.HasEffect(Instr)"/>).</summary>
    public enum Effects
    {
        None,
        Always,
        /// <summary>As its payload says: a call or member read the frontend found may have an effect or see one.</summary>
        FromPayload,
    }

    /// <summary>What it costs to compute an op again rather than keep its value: which passes may recompute or move it.</summary>
    public enum Cost
    {
        /// <summary>Cheaper to compute again than to record: a reverse sweep recomputes it; hoisting and replay may too.</summary>
        Cheap,
        /// <summary>Computed once before a fused loop that needs it (hoisted) or again in a replayed loop, but recorded by a reverse sweep.</summary>
        Moderate,
        /// <summary>Computed again in a replayed loop, else left where it stands.</summary>
        ReplayOnly,
        /// <summary>Never computed again (a reverse sweep records it).</summary>
        Expensive,
    }

    /// <summary>The verifier's rule for an op's operand and result types (<see cref="IrVerifier"/>).</summary>
    public enum TypeRule
    {
        /// <summary>Nothing beyond the arity.</summary>
        Any,
        /// <summary>Every operand has the result's type (arithmetic).</summary>
        SameAsResult,
        /// <summary>Two operands of one type; the result is bool.</summary>
        Compare,
        /// <summary>Bool operands and a bool result.</summary>
        Logic,
        /// <summary>A bool condition, then two arms of the result's type.</summary>
        Select,
        /// <summary>A sequence operand; an integer result.</summary>
        Length,
        /// <summary>A sequence and an integer index; the result is the element type.</summary>
        ElementRead,
        /// <summary>A writable sequence, an integer index and a value of the element type.</summary>
        ElementWrite,
        /// <summary>An integer length (or, for a copy, the sequence copied); the result is a sequence.</summary>
        Allocate,
        /// <summary>A numeric (or enum) operand converted to the result's type.</summary>
        Convert,
        /// <summary>A bool condition (an if).</summary>
        Condition,
        /// <summary>An integer of the result's type, then an <c>int</c> count.</summary>
        Shift,
        /// <summary>No operand; the result is a read-only span of numbers.</summary>
        Table,
        /// <summary>Integer operands (counts), no value; a <see cref="TapeRoom"/> adds and nests no more operands than it has.</summary>
        Count,
        /// <summary>One operand: a scalar and the vector of its type (<see cref="Op.Splat"/>), or the other way round (<see cref="Op.SumLanes"/>).</summary>
        Lanes,
    }

    /// <summary>
    /// One op's row of the table (<see cref="OpInfo.Row(Op)"/>): everything a pass, the verifier, the printer and the emitter
    /// need to know about an op, said once.
    /// </summary>
    public sealed class OpRow
    {
        internal OpRow(Op op, int minArgs, int? maxArgs, Type? payload, Effects effects, bool ordered, Cost cost, TypeRule rule, bool structured, bool readsElements, bool terminates = false, bool payloadOptional = false)
        {
            PayloadOptional = payloadOptional;
            Terminates = terminates;
            Op = op;
            MinArgs = minArgs;
            MaxArgs = maxArgs;
            Payload = payload;
            Effects = effects;
            Ordered = ordered;
            Cost = cost;
            Rule = rule;
            Structured = structured;
            ReadsElements = readsElements;
            Mnemonic = op.ToString().ToLowerInvariant();
        }

        public Op Op { get; }

        /// <summary>The fewest operands it takes.</summary>
        public int MinArgs { get; }

        /// <summary>The most operands it takes; null when there is no limit (a call, a loop's carried values).</summary>
        public int? MaxArgs { get; }

        /// <summary>The type of its payload (<see cref="Ir.Payload"/>), or null when it has none.</summary>
        public Type? Payload { get; }

        /// <summary>Whether an instruction of this op may also have no payload (an element access: <see cref="InRange"/> or nothing).</summary>
        public bool PayloadOptional { get; }

        public Effects Effects { get; }

        /// <summary>
        /// Has no effect but is not pure either: it reads a buffer's elements (ordered with the writes), allocates, or reads
        /// tangent spans (a callee's Jvp). Never merged with another instruction nor moved.
        /// </summary>
        public bool Ordered { get; }

        public Cost Cost { get; }

        /// <summary>The verifier's rule for its operand and result types.</summary>
        public TypeRule Rule { get; }

        /// <summary>An if or a loop: it has regions and results rather than a value of its own.</summary>
        public bool Structured { get; }

        /// <summary>
        /// Whether it may read the elements of a sequence operand (all but <see cref="Op.Length"/>): then, over a buffer a
        /// write may change, it is not the same value after the write, so it is neither merged nor moved.
        /// </summary>
        public bool ReadsElements { get; }

        /// <summary>
        /// It ends the path it is on (a throw): nothing after it in its region runs, so the region yields nothing, and a reverse
        /// sweep never runs the adjoint of a region that ends so (<see cref="OpInfo.NeverEnds"/>).
        /// </summary>
        public bool Terminates { get; }

        /// <summary>How the op is written in the IR text (<see cref="IrPrinter"/>).</summary>
        public string Mnemonic { get; }
    }

    /// <summary>
    /// The op table: one row per <see cref="Op"/> (arity, payload type, effects, cost, the verifier's type rule, how it
    /// prints). This is the one place that says what the transforms and the emitter may do with an instruction: value
    /// numbering (<see cref="IrBuilder"/>), dead-code elimination, the reverse sweep's recompute-or-record plan, hoisting,
    /// fusion and replay, the emitter's folding of temporaries into expressions, the verifier and the printer all ask here.
    /// Adding an op is adding its row.
    /// </summary>
    public static class OpInfo
    {
        private const int Variadic = int.MaxValue;

        private static readonly OpRow[] Rows = Build();

        private static OpRow[] Build()
        {
            var rows = new List<OpRow>();
            void Add(Op op, int min, int max, Type? payload = null, Effects effects = Effects.None, bool ordered = false, Cost cost = Cost.Expensive,
                TypeRule rule = TypeRule.Any, bool structured = false, bool readsElements = true, bool terminates = false, bool payloadOptional = false) =>
                rows.Add(new OpRow(op, min, max == Variadic ? (int?)null : max, payload, effects, ordered, cost, rule, structured, readsElements, terminates, payloadOptional));

            Add(Op.Const, 0, 0, typeof(ConstValue), cost: Cost.Cheap);
            Add(Op.This, 0, 0);
            Add(Op.Neg, 1, 1, cost: Cost.Cheap, rule: TypeRule.SameAsResult);
            Add(Op.Add, 2, 2, cost: Cost.Cheap, rule: TypeRule.SameAsResult);
            Add(Op.Sub, 2, 2, cost: Cost.Cheap, rule: TypeRule.SameAsResult);
            Add(Op.Mul, 2, 2, cost: Cost.Cheap, rule: TypeRule.SameAsResult);
            Add(Op.Div, 2, 2, cost: Cost.Moderate, rule: TypeRule.SameAsResult);
            Add(Op.Rem, 2, 2, cost: Cost.ReplayOnly, rule: TypeRule.SameAsResult);
            foreach (var compare in new[] { Op.Lt, Op.Le, Op.Gt, Op.Ge, Op.Eq, Op.Ne }) Add(compare, 2, 2, cost: Cost.Cheap, rule: TypeRule.Compare);
            Add(Op.Select, 3, 3, cost: Cost.ReplayOnly, rule: TypeRule.Select);
            Add(Op.Not, 1, 1, cost: Cost.Cheap, rule: TypeRule.Logic);
            Add(Op.And, 2, 2, cost: Cost.Cheap, rule: TypeRule.Logic);
            Add(Op.Or, 2, 2, cost: Cost.Cheap, rule: TypeRule.Logic);
            Add(Op.If, 1, 1, rule: TypeRule.Condition, structured: true);
            Add(Op.While, 0, Variadic, structured: true);
            // A sequence of rank 2 (T[,], T[][]) takes one more index, and one more length (Length: its dimension or row).
            Add(Op.Length, 1, 2, cost: Cost.Cheap, rule: TypeRule.Length, readsElements: false);
            // An element access may carry InRange: its index is known to be in range (the reverse sweep's; no bounds check).
            Add(Op.Element, 2, 3, typeof(InRange), cost: Cost.Cheap, rule: TypeRule.ElementRead, payloadOptional: true);
            Add(Op.Read, 2, 3, typeof(InRange), ordered: true, rule: TypeRule.ElementRead, payloadOptional: true);
            Add(Op.Write, 3, 4, typeof(InRange), effects: Effects.Always, rule: TypeRule.ElementWrite, payloadOptional: true);
            Add(Op.AddTo, 3, 4, typeof(InRange), effects: Effects.Always, rule: TypeRule.ElementWrite, payloadOptional: true);
            Add(Op.NewBuffer, 1, 2, typeof(Allocation), ordered: true, rule: TypeRule.Allocate);
            Add(Op.CallDifferentiable, 0, Variadic, typeof(CallInfo));
            Add(Op.CallWithRule, 0, Variadic, typeof(RuleCall), effects: Effects.FromPayload); // a call writing output spans has an effect on them
            Add(Op.CallJvp, 0, Variadic, typeof(CallInfo), ordered: true);
            Add(Op.CallVjp, 1, Variadic, typeof(CallInfo), effects: Effects.Always); // it adds into the adjoint spans it is given
            Add(Op.CallVjpTangent, 1, Variadic, typeof(CallInfo), effects: Effects.Always);
            Add(Op.Effect, 0, Variadic, typeof(CallInfo), effects: Effects.Always);
            Add(Op.Push, 1, 1, typeof(TapeSlot), effects: Effects.Always);
            Add(Op.Pop, 0, 1, typeof(TapeSlot), effects: Effects.Always); // a whole buffer is popped into its operand
            Add(Op.Convert, 1, 1, cost: Cost.Cheap, rule: TypeRule.Convert);
            Add(Op.Intrinsic, 1, Variadic, typeof(FnRef), cost: Cost.Moderate); // the payload carries the function's cost (CostOf)
            Add(Op.LoadStatic, 0, 0, typeof(MemberRef), effects: Effects.FromPayload);
            Add(Op.LoadMember, 1, 1, typeof(MemberRef), effects: Effects.FromPayload);
            Add(Op.CallStatic, 0, Variadic, typeof(CallInfo), effects: Effects.FromPayload);
            Add(Op.CallMember, 1, Variadic, typeof(CallInfo), effects: Effects.FromPayload);
            // Integer operators: data, never differentiated (they have no rule).
            Add(Op.BitNot, 1, 1, cost: Cost.Cheap, rule: TypeRule.SameAsResult);
            foreach (var bitwise in new[] { Op.BitAnd, Op.BitOr, Op.BitXor }) Add(bitwise, 2, 2, cost: Cost.Cheap, rule: TypeRule.SameAsResult);
            foreach (var shift in new[] { Op.ShiftLeft, Op.ShiftRight, Op.UnsignedShiftRight }) Add(shift, 2, 2, cost: Cost.Cheap, rule: TypeRule.Shift);
            Add(Op.Table, 0, 0, typeof(ConstTable), rule: TypeRule.Table);
            Add(Op.Throw, 1, 1, effects: Effects.Always, terminates: true);
            Add(Op.Literal, 0, 0, typeof(LiteralText), cost: Cost.Cheap);
            Add(Op.Guard, 0, Variadic, typeof(CallInfo), effects: Effects.Always);
            Add(Op.Reserve, 0, Variadic, typeof(TapeRoom), effects: Effects.Always, rule: TypeRule.Count, readsElements: false);
            // Lanes (vector-sums, the last pass): an element access of a vector type reads or writes that many elements from its index.
            Add(Op.Splat, 1, 1, cost: Cost.Cheap, rule: TypeRule.Lanes, readsElements: false);
            Add(Op.SumLanes, 1, 1, cost: Cost.Cheap, rule: TypeRule.Lanes, readsElements: false);

            var table = new OpRow[Enum.GetValues(typeof(Op)).Length];
            foreach (var row in rows)
            {
                if (table[(int)row.Op] != null) throw new InvalidOperationException("two rows for " + row.Op);
                table[(int)row.Op] = row;
            }
            return table;
        }

        /// <summary>The row of <paramref name="op"/>.</summary>
        public static OpRow Row(Op op) => Rows[(int)op] ?? throw new InvalidOperationException("no row for " + op);

        /// <summary>Every row, in <see cref="Op"/> order (a missing row is null).</summary>
        public static IReadOnlyList<OpRow?> All => Rows;

        private static readonly Dictionary<string, Op> ByMnemonic = Rows.Where(r => r != null).ToDictionary(r => r.Mnemonic, r => r.Op, StringComparer.Ordinal);

        /// <summary>The op written <paramref name="mnemonic"/> in the IR text.</summary>
        public static bool TryParse(string mnemonic, out Op op) => ByMnemonic.TryGetValue(mnemonic, out op);

        /// <summary>
        /// Whether <paramref name="op"/> with <paramref name="payload"/> changes state or reads state that changes: it runs
        /// exactly where it stands, as often as it does there and in the same order with the others, in every function made
        /// from the one it is in. It is never merged with another instruction, dropped (even when its value is unused), moved
        /// into or out of a loop or branch, nor recomputed by a reverse sweep (its value is recorded when the reverse sweep needs it).
        /// </summary>
        public static bool HasEffect(Op op, Payload? payload) => Row(op).Effects switch
        {
            Effects.Always => true,
            Effects.FromPayload => payload is CallInfo call ? call.HasEffect : payload is MemberRef member ? member.HasEffect : payload is RuleCall rule && !rule.Outputs.IsEmpty,
            _ => false,
        };

        public static bool HasEffect(Instr instr) => !instr.HasRegions && HasEffect(instr.Op, instr.Payload);

        /// <summary>
        /// Whether the value of <paramref name="op"/> depends only on its operands: two on the same operands are one value,
        /// and it may be computed where it is read, or again, or not at all when unused. Everything but effects and the
        /// <see cref="OpRow.Ordered"/> ops.
        /// </summary>
        public static bool IsPure(Op op, Payload? payload) => !HasEffect(op, payload) && !Row(op).Ordered;

        public static bool IsPure(Instr instr) => !instr.HasRegions && IsPure(instr.Op, instr.Payload);

        /// <summary>What computing <paramref name="instr"/> again costs: an intrinsic's is its function's, the rule table's column its payload carries.</summary>
        public static Cost CostOf(Instr instr) => instr.Payload is FnRef fn ? fn.Cost : Row(instr.Op).Cost;

        /// <summary>
        /// Arithmetic cheaper to redo than to push and pop (inputs never change, so their elements count): a reverse sweep
        /// recomputes it. Never an instruction with an effect: that runs once, in the forward sweep.
        /// </summary>
        public static bool IsCheap(Instr instr) => IsPure(instr) && CostOf(instr) == Cost.Cheap;

        /// <summary>Pure and worth computing once ahead of a fused loop that needs it.</summary>
        public static bool IsHoistable(Instr instr) => IsPure(instr) && CostOf(instr) <= Cost.Moderate;

        /// <summary>Pure and simple enough to compute again in a replayed loop.</summary>
        public static bool IsReplayable(Instr instr) => IsPure(instr) && CostOf(instr) <= Cost.ReplayOnly;

        /// <summary>Whether <paramref name="op"/> reads or writes an element of its first operand, a sequence, at its second, an index.</summary>
        public static bool IndexesSequence(Op op) => Row(op).Rule == TypeRule.ElementRead || Row(op).Rule == TypeRule.ElementWrite;

        /// <summary>
        /// How many indices an element access takes (<see cref="IndexesSequence"/>): its operands after the sequence, less the
        /// value a write stores. One for an array or span, two for <c>T[,]</c> (<c>a[i, j]</c>) and <c>T[][]</c> (<c>a[i][j]</c>).
        /// </summary>
        public static int IndexCount(Instr instr) => instr.Args.Count - 1 - (WritesElements(instr.Op) ? 1 : 0);

        /// <summary>Whether operand <paramref name="position"/> of <paramref name="instr"/> is one of its indices.</summary>
        public static bool IsIndex(Instr instr, int position) => IndexesSequence(instr.Op) && position >= 1 && position <= IndexCount(instr);

        /// <summary>The indices of an element access (<see cref="IndexCount"/> operands after the sequence).</summary>
        public static IEnumerable<int> Indices(Instr instr) => instr.Args.Skip(1).Take(IndexCount(instr));

        /// <summary>The value a write stores (or adds): its last operand.</summary>
        public static int StoredValue(Instr instr) => instr.Args[instr.Args.Count - 1];

        /// <summary>Whether <paramref name="op"/> writes (or adds into) an element of its first operand.</summary>
        public static bool WritesElements(Op op) => Row(op).Rule == TypeRule.ElementWrite;

        /// <summary>A call, property getter or field read the frontend marked as having an effect (not a tape or buffer operation).</summary>
        public static bool IsCallWithEffects(Instr instr) => Row(instr.Op).Effects == Effects.FromPayload && !(instr.Payload is RuleCall) && HasEffect(instr);

        /// <summary>
        /// The spans a call writes whole, its outputs (a call to a function with span outputs through its [DerivativeOf] rules):
        /// operands, as a write's first operand is, but every element.
        /// </summary>
        public static IEnumerable<int> Outputs(Instr instr) =>
            instr.Payload is RuleCall rule && !rule.Outputs.IsEmpty ? rule.Outputs.Positions.Select(p => instr.Args[p]) : Enumerable.Empty<int>();

        /// <summary>
        /// Whether no path through <paramref name="body"/> reaches its end: an instruction in it ends the path (a throw,
        /// <see cref="OpRow.Terminates"/>), or is an if both of whose branches never end.
        /// </summary>
        public static bool NeverEnds(IEnumerable<Instr> body) =>
            body.Any(i => Row(i.Op).Terminates || (i.Op == Op.If && i.Regions.Count == 2 && NeverEnds(i.Regions[0].Body) && NeverEnds(i.Regions[1].Body)));

        /// <summary>
        /// Whether <paramref name="instr"/>, or an instruction in a region inside it, may throw: a throw, a guard
        /// (<see cref="Op.Guard"/>), or a call with effects whose result is discarded (a helper that validates).
        /// </summary>
        public static bool MayThrow(Instr instr) =>
            IrWalk.Contains(instr, i => Row(i.Op).Terminates || i.Op == Op.Guard || (IsCallWithEffects(i) && i.Type == TypeRef.Void));

        /// <summary>Whether <paramref name="instr"/>, or an instruction in a region inside it, has an effect.</summary>
        public static bool ContainsEffect(Instr instr) => IrWalk.Contains(instr, HasEffect);

        /// <summary>Whether <paramref name="instr"/>, or an instruction in a region inside it, is a call with effects: what the method does to the world.</summary>
        public static bool ContainsCallWithEffects(Instr instr) => IrWalk.Contains(instr, IsCallWithEffects);
    }
}
