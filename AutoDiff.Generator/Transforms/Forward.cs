using System.Collections.Generic;
using System.Linq;
using System.Threading;
using AutoDiff.Generator.Analysis;
using AutoDiff.Generator.Derivatives;
using AutoDiff.Generator.Ir;

namespace AutoDiff.Generator.Transforms
{
    /// <summary>
    /// Forward mode (JVP). For <c>f(p…) → value</c> builds <c>f(p…, ṗ…) → (value, tangent)</c>
    /// with one tangent parameter per active parameter, in order. Each varied instruction is
    /// followed by its tangent, Σ ∂instr/∂argᵢ · argᵢ̇, from the rule table; an if yields the
    /// tangents of its varied results and a loop carries the tangents of its varied values.
    /// Forward mode stores nothing.
    /// </summary>
    public static class Forward
    {
        public const string TangentSuffix = "Dot";

        private sealed class Context
        {
            public readonly IrBuilder B = new IrBuilder();
            public readonly Dictionary<int, int> Map = new Dictionary<int, int>();
            /// <summary>Per lane (one in plain forward mode, <see cref="Transform(IrFunction, IReadOnlyList{int}, IReadOnlyList{int}, int, CancellationToken)"/>'s lanes in vector mode), the tangent of each value that has one.</summary>
            public IdMap<int>[] Lanes = { new IdMap<int>() };
            /// <summary>The lane whose tangents are being built.</summary>
            public int Lane;
            /// <summary>The tangent of each value that has one in the current lane (an array by value id: forward mode reads it for every operand).</summary>
            public IdMap<int> Tangent => Lanes[Lane];
            /// <summary>The suffix of a tangent's name: <c>Dot</c>, and in vector mode the lane (<c>Dot0</c>, <c>Dot1</c>, …).</summary>
            public string Suffix => Lanes.Length == 1 ? TangentSuffix : TangentSuffix + Lane.ToString(System.Globalization.CultureInfo.InvariantCulture);
            public Activity Activity = null!;
            /// <summary><see cref="Activity.IsVaried"/>, made a delegate once rather than for every instruction.</summary>
            public System.Func<int, bool> IsVaried = null!;
            public CancellationToken CancellationToken;
        }

        public static IrFunction Transform(IrFunction primal, IReadOnlyList<int> activeParams, CancellationToken cancellationToken = default) =>
            Transform(primal, activeParams, System.Array.Empty<int>(), cancellationToken);

        /// <summary>
        /// With <paramref name="outputParams"/> (the output spans of a vector-valued method), each output
        /// gets a tangent span after the input tangents, written where the output is written.
        /// </summary>
        public static IrFunction Transform(IrFunction primal, IReadOnlyList<int> activeParams, IReadOnlyList<int> outputParams, CancellationToken cancellationToken = default) =>
            Transform(primal, activeParams, outputParams, 1, cancellationToken);

        /// <summary>
        /// Vector mode with <paramref name="lanes"/> &gt; 1 (a vector-valued method's <c>MJvpBatch</c>): the primal is computed once and
        /// every varied value gets one tangent per lane, each built by the same rule from that lane's tangents. Each active and
        /// output parameter gets a tangent parameter per lane, lane after lane (<c>xDot0, xDot1, …, yDot0, …</c>). Calls that are
        /// differentiated through their own Jvp and tapes have no vector form (<see cref="SupportsLanes"/>).
        /// </summary>
        public static IrFunction Transform(IrFunction primal, IReadOnlyList<int> activeParams, IReadOnlyList<int> outputParams, int lanes, CancellationToken cancellationToken = default)
        {
            var c = new Context { CancellationToken = cancellationToken };
            c.Lanes = Enumerable.Range(0, lanes).Select(_ => new IdMap<int>()).ToArray();
            c.Activity = Activity.Analyze(primal, activeParams.Select(i => primal.Params[i].Id).ToArray(), cancellationToken);
            c.IsVaried = c.Activity.IsVaried;
            var b = c.B;
            foreach (var p in primal.Params) c.Map[p.Id] = b.Param(p.Name, p.Type);
            foreach (int index in activeParams.Concat(outputParams))
            {
                var p = primal.Params[index];
                for (c.Lane = 0; c.Lane < lanes; c.Lane++) c.Tangent[p.Id] = b.Param(p.Name + c.Suffix, outputParams.Contains(index) ? p.Type : TangentType(p.Type));
            }
            c.Lane = 0;

            Block(c, primal.Body);
            if (lanes > 1) return b.Build(primal.Name + "JvpBatch", System.Array.Empty<IrResult>());
            if (primal.Results.Count == 0) return b.Build(primal.Name + "Jvp", System.Array.Empty<IrResult>());

            // A struct result: each leaf, then each leaf's tangent.
            if (primal.Results.Count > 1)
            {
                return b.Build(primal.Name + "Jvp", primal.Results.Select(r => new IrResult(r.Name, c.Map[r.Value]))
                    .Concat(primal.Results.Select(r => new IrResult("tangent" + r.Name, TangentOrZero(c, r.Value)))).ToList());
            }
            var result = primal.Results[0];
            int resultTangent = TangentOrZero(c, result.Value);
            return b.Build(primal.Name + "Jvp", new[]
            {
                new IrResult(result.Name, c.Map[result.Value]),
                new IrResult("tangent", resultTangent),
            });
        }

        /// <summary>
        /// Forward mode over a function with several results (a reverse sweep, for forward-over-reverse): every
        /// floating result gets a tangent result after the originals, and each span in
        /// <paramref name="accumulated"/> (an adjoint the function adds into) gets a tangent span parameter,
        /// added into where it is. Tape pushes and pops carry the recorded values' tangents alongside.
        /// </summary>
        public static IrFunction TransformAll(IrFunction function, IReadOnlyList<int> activeParams, IReadOnlyList<int> accumulated, string name, CancellationToken cancellationToken = default)
        {
            var c = new Context { CancellationToken = cancellationToken };
            c.Activity = Activity.Analyze(function, activeParams.Select(i => function.Params[i].Id).ToArray(), accumulated.Select(i => function.Params[i].Id).ToArray(), cancellationToken);
            c.IsVaried = c.Activity.IsVaried;
            var b = c.B;
            foreach (var p in function.Params) c.Map[p.Id] = b.Param(p.Name, p.Type);
            foreach (int index in activeParams)
            {
                var p = function.Params[index];
                c.Tangent[p.Id] = b.Param(p.Name + TangentSuffix, TangentType(p.Type));
            }
            foreach (int index in accumulated)
            {
                var p = function.Params[index];
                c.Tangent[p.Id] = b.Param(p.Name + TangentSuffix, p.Type);
            }
            Block(c, function.Body);
            var results = function.Results.Select(r => new IrResult(r.Name, c.Map[r.Value])).ToList();
            foreach (var r in function.Results)
            {
                if (c.B.TypeOf(c.Map[r.Value]).IsFloating) results.Add(new IrResult(r.Name + TangentSuffix, TangentOrZero(c, r.Value)));
            }
            return b.Build(name, results);
        }

        /// <summary>Whether vector mode (<c>lanes</c> &gt; 1) can differentiate <paramref name="primal"/>: no call differentiated as a whole, no tape.</summary>
        public static bool SupportsLanes(IrFunction primal) =>
            !IrWalk.Contains(primal.Body, i => i.Op == Op.Push || i.Op == Op.Pop || (RuleTable.For(i) is { ReplacesPrimal: true }));

        /// <summary>A scalar's tangent has its type; an input sequence's tangent is a read-only span of its elements.</summary>
        public static TypeRef TangentType(TypeRef type) =>
            type.Kind == ValueKind.Sequence ? (type.Rank == 2 ? TypeRef.Array2DOf(type.ElementType, type.Jagged) : TypeRef.ReadOnlySpanOf(type.ElementType)) : type;

        private static int TangentOrZero(Context c, int value) =>
            c.Tangent.TryGetValue(value, out int t) ? t : c.B.Const(0, c.B.TypeOf(c.Map[value]));

        /// <summary>
        /// The tangent passed for a callee's active parameter: a sequence that does not vary (data passed to a
        /// parameter the callee differentiates) gets a zeroed scratch buffer of its length.
        /// </summary>
        private static int ArgumentTangent(Context c, int value)
        {
            var type = c.B.TypeOf(c.Map[value]);
            if (type.Kind != ValueKind.Sequence || c.Tangent.ContainsKey(value)) return TangentOrZero(c, value);
            int length = c.B.Emit(Op.Length, TypeRef.Int, new[] { c.Map[value] });
            return c.B.Emit(Op.NewBuffer, TypeRef.SpanOf(type.ElementType), new[] { length }, "zeroTangent", payload: new Allocation(BufferKind.Scratch));
        }

        private static void Block(Context c, EquatableArray<Instr> body)
        {
            foreach (var instr in body)
            {
                c.CancellationToken.ThrowIfCancellationRequested();
                if (instr.Op == Op.If) If(c, instr);
                else if (instr.Op == Op.While) While(c, instr);
                else if (instr.Op == Op.Push || instr.Op == Op.Pop) Tape(c, instr);
                else Simple(c, instr);
            }
        }

        /// <summary>
        /// A recorded value's tangent is recorded with it: pushed just before it, so popped just after it. A
        /// pop has a tangent exactly when its push had one (the activity analysis pairs them).
        /// </summary>
        private static void Tape(Context c, Instr instr)
        {
            var b = c.B;
            if (instr.Op == Op.Push && instr.Tape.Entry == TapeEntry.Value && c.Activity.IsVaried(instr.Args[0]))
            {
                // A varied value whose tangent folded to nothing pushes a zero, so the tape stays paired.
                b.Emit(Op.Push, IrBuilder.Void, new[] { TangentOrZero(c, instr.Args[0]) }, payload: instr.Payload);
            }
            else if (instr.Op == Op.Push && instr.Tape.Entry != TapeEntry.Value && c.Tangent.TryGetValue(instr.Args[0], out int snapshot))
            {
                b.Emit(Op.Push, IrBuilder.Void, new[] { snapshot }, payload: instr.Payload);
            }
            Replay.Copy(b, instr, c.Map, simplify: false);
            if (instr.Op != Op.Pop) return;
            if (instr.Args.Count == 1)
            {
                if (c.Tangent.TryGetValue(instr.Args[0], out int buffer)) b.Emit(Op.Pop, IrBuilder.Void, new[] { buffer }, payload: instr.Payload);
            }
            else if (c.Activity.IsVaried(instr.Id))
            {
                c.Tangent[instr.Id] = b.Emit(Op.Pop, instr.Type, System.Array.Empty<int>(), Name(instr, TangentSuffix), payload: instr.Payload);
            }
        }

        /// <summary>The tangent of an adjoint span, or a zeroed scratch span of its length that nothing reads.</summary>
        private static int SpanTangentOrSink(Context c, int span)
        {
            if (c.Tangent.TryGetValue(span, out int tangent)) return tangent;
            var type = c.B.TypeOf(c.Map[span]);
            int length = c.B.Emit(Op.Length, TypeRef.Int, new[] { c.Map[span] });
            return c.B.Emit(Op.NewBuffer, TypeRef.SpanOf(type.ElementType), new[] { length }, "sinkTangent", payload: new Allocation(BufferKind.Scratch));
        }

        /// <summary>
        /// Copies <paramref name="instr"/> and builds its tangent from its rule's pushforward (a rule that makes the
        /// instruction's values itself, a callee's VjpTangent, stands in place of the copy).
        /// </summary>
        private static void Simple(Context c, Instr instr)
        {
            var b = c.B;
            var rule = RuleTable.For(instr);
            if (rule != null && rule.ReplacesPrimal && rule.Varies(instr, c.IsVaried))
            {
                rule.Push(new TangentSite(c, instr, -1));
                return;
            }
            Replay.Copy(b, instr, c.Map, simplify: false);
            int value = c.Map[instr.Id];
            bool sequence = false;
            for (c.Lane = 0; c.Lane < c.Lanes.Length; c.Lane++) sequence = Sequence(c, instr, value);
            c.Lane = 0;
            if (sequence) return;
            if (rule == null)
            {
                // Methods whose reverse sweep holds an effect without a rule get no second-order companions (MethodModel.SecondOrder).
                if ((instr.Op == Op.Effect || instr.Op == Op.CallVjp) && instr.Args.Any(c.IsVaried))
                {
                    throw new System.NotSupportedException("no derivative of " + instr.Op + " " + instr.Payload + " in forward-over-reverse");
                }
                return;
            }
            if (!rule.Varies(instr, c.IsVaried)) return;
            for (c.Lane = 0; c.Lane < c.Lanes.Length; c.Lane++) rule.Push(new TangentSite(c, instr, value));
            c.Lane = 0;
        }

        /// <summary>What a rule's pushforward sees of forward mode.</summary>
        private sealed class TangentSite : ITangentSite
        {
            private readonly Context _c;
            private readonly int _mark;

            public TangentSite(Context c, Instr instr, int value)
            {
                _c = c;
                Instr = instr;
                Value = value;
                _mark = c.B.Mark;
            }

            public IrBuilder B => _c.B;

            public Instr Instr { get; }

            public int Value { get; }

            public int Arg(int index) => _c.Map[Instr.Args[index]];

            public bool HasTangent(int index) => _c.Tangent.ContainsKey(Instr.Args[index]);

            public int Tangent(int index) => _c.Tangent[Instr.Args[index]];

            public int TangentOrZero(int index) => ArgumentTangent(_c, Instr.Args[index]);

            public int TangentOrSink(int index) => SpanTangentOrSink(_c, Instr.Args[index]);

            public void SetTangent(int tangent)
            {
                if (Instr.Name != null) _c.B.NameValue(tangent, Instr.Name + _c.Suffix, _mark);
                _c.Tangent[Instr.Id] = tangent;
            }

            public void SetResults(IReadOnlyList<int> values, IReadOnlyList<int> tangents)
            {
                for (int k = 0; k < Instr.Results.Count; k++)
                {
                    _c.Map[Instr.Results[k].Id] = values[k];
                    _c.Tangent[Instr.Results[k].Id] = tangents[k];
                }
            }
        }

        /// <summary>
        /// Tangents through sequences: a varied buffer gets a tangent buffer, written where it is written;
        /// an element read from a varied sequence has the tangent sequence's element as its tangent.
        /// Returns whether <paramref name="instr"/> was a sequence operation.
        /// </summary>
        private static bool Sequence(Context c, Instr instr, int value)
        {
            var b = c.B;
            switch (instr.Op)
            {
                case Op.NewBuffer:
                    if (c.Activity.IsVaried(instr.Id))
                    {
                        c.Tangent[instr.Id] = b.Emit(Op.NewBuffer, instr.Type, instr.Args.Select(a => c.Map[a]).ToArray(), Name(instr, c.Suffix), payload: new Allocation(Zeroed(instr.Buffer)));
                    }
                    return true;
                case Op.Element:
                case Op.Read:
                    if (c.Activity.IsVaried(instr.Id) && c.Tangent.TryGetValue(instr.Args[0], out int tangents))
                    {
                        c.Tangent[instr.Id] = b.Emit(instr.Op, instr.Type, new[] { tangents }.Concat(OpInfo.Indices(instr).Select(a => c.Map[a])).ToArray(), Name(instr, c.Suffix));
                    }
                    return true;
                case Op.Write:
                    if (c.Tangent.TryGetValue(instr.Args[0], out int buffer))
                    {
                        b.Emit(Op.Write, IrBuilder.Void, new[] { buffer }.Concat(OpInfo.Indices(instr).Select(a => c.Map[a])).Append(TangentOrZero(c, OpInfo.StoredValue(instr))).ToArray());
                    }
                    return true;
                case Op.AddTo:
                    if (c.Tangent.TryGetValue(instr.Args[0], out int sum) && c.Tangent.TryGetValue(OpInfo.StoredValue(instr), out int added))
                    {
                        b.Emit(Op.AddTo, IrBuilder.Void, new[] { sum }.Concat(OpInfo.Indices(instr).Select(a => c.Map[a])).Append(added).ToArray());
                    }
                    return true;
                default:
                    return false;
            }
        }

        /// <summary>Buffers the generator adds must start at zero even where the user's assembly skips zeroing locals.</summary>
        public static BufferKind Zeroed(BufferKind kind) => kind == BufferKind.Stackalloc ? BufferKind.StackallocZeroed : kind;

        private static string? Name(Instr instr, string suffix) => instr.Name != null ? instr.Name + suffix : null;

        private static void If(Context c, Instr instr)
        {
            var b = c.B;
            var varied = Enumerable.Range(0, instr.Results.Count).Where(i => c.Activity.IsVaried(instr.Results[i].Id)).ToList();
            var regions = new List<Region>();
            foreach (var region in instr.Regions)
            {
                b.BeginRegion(System.Array.Empty<(string, TypeRef)>());
                Block(c, region.Body);
                var yields = region.Yields.Select(y => c.Map[y]).Concat(PerLane(c, () => varied.Select(i => TangentOrZero(c, region.Yields[i])))).ToList();
                regions.Add(b.EndRegion(yields));
            }
            var results = instr.Results.Select(r => (Name(r), r.Type))
                .Concat(PerLane(c, () => varied.Select(i => (TangentName(c, instr.Results[i]), instr.Results[i].Type)))).ToList();
            var ids = b.EmitStructured(Op.If, new[] { c.Map[instr.Args[0]] }, regions, results);
            for (int i = 0; i < instr.Results.Count; i++) c.Map[instr.Results[i].Id] = ids[i];
            for (c.Lane = 0; c.Lane < c.Lanes.Length; c.Lane++)
            {
                for (int k = 0; k < varied.Count; k++) c.Tangent[instr.Results[varied[k]].Id] = ids[instr.Results.Count + c.Lane * varied.Count + k];
            }
            c.Lane = 0;
        }

        private static void While(Context c, Instr instr)
        {
            var b = c.B;
            var condition = instr.Regions[0];
            var body = instr.Regions[1];
            var varied = Enumerable.Range(0, instr.Args.Count).Where(i => c.Activity.IsVaried(body.Params[i].Id)).ToList();
            var signature = body.Params.Select(p => (p.Name, p.Type))
                .Concat(PerLane(c, () => varied.Select(i => (body.Params[i].Name + c.Suffix, body.Params[i].Type)))).ToList();
            var inits = instr.Args.Select(a => c.Map[a]).Concat(PerLane(c, () => varied.Select(i => TangentOrZero(c, instr.Args[i])))).ToList();

            var regions = new List<Region>();
            foreach (var region in new[] { condition, body })
            {
                var ids = b.BeginRegion(signature);
                for (int i = 0; i < region.Params.Count; i++) c.Map[region.Params[i].Id] = ids[i];
                for (c.Lane = 0; c.Lane < c.Lanes.Length; c.Lane++)
                {
                    for (int k = 0; k < varied.Count; k++) c.Tangent[region.Params[varied[k]].Id] = ids[region.Params.Count + c.Lane * varied.Count + k];
                }
                c.Lane = 0;
                Block(c, region.Body);
                var yields = region == condition
                    ? new List<int> { c.Map[region.Yields[0]] }
                    : region.Yields.Select(y => c.Map[y]).Concat(PerLane(c, () => varied.Select(i => TangentOrZero(c, region.Yields[i])))).ToList();
                regions.Add(b.EndRegion(yields));
            }
            var results = b.EmitStructured(Op.While, inits, regions, signature.Select(s => ((string?)s.Item1, s.Item2)).ToList());
            for (int i = 0; i < instr.Results.Count; i++) c.Map[instr.Results[i].Id] = results[i];
            for (c.Lane = 0; c.Lane < c.Lanes.Length; c.Lane++)
            {
                for (int k = 0; k < varied.Count; k++) c.Tangent[instr.Results[varied[k]].Id] = results[instr.Results.Count + c.Lane * varied.Count + k];
            }
            c.Lane = 0;
        }

        /// <summary>What <paramref name="items"/> gives in each lane, lane after lane (evaluated now, so it sees each lane's tangents).</summary>
        private static List<T> PerLane<T>(Context c, System.Func<IEnumerable<T>> items)
        {
            var all = new List<T>();
            for (c.Lane = 0; c.Lane < c.Lanes.Length; c.Lane++) all.AddRange(items());
            c.Lane = 0;
            return all;
        }

        private static string? Name(IrParam p) => p.Name.Length > 0 ? p.Name : null;

        private static string? TangentName(Context c, IrParam p) => p.Name.Length > 0 ? p.Name + c.Suffix : null;
    }
}
