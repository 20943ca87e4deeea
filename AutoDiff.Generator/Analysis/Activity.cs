using System.Collections.Generic;
using System.Linq;
using System.Threading;
using AutoDiff.Generator.Derivatives;
using AutoDiff.Generator.Ir;

namespace AutoDiff.Generator.Analysis
{
    /// <summary>
    /// Activity analysis: a value is <em>varied</em> when it depends differentiably on an active
    /// parameter, <em>useful</em> when a result depends on it, and <em>active</em> when both.
    /// Only varied values get tangents or adjoints. Loops are iterated to a fixed point: a carried
    /// value is varied when its start value or the body's next value is.
    /// </summary>
    public sealed class Activity
    {
        private readonly IdSet _varied;
        private readonly IdSet _useful;

        private Activity(IdSet varied, IdSet useful)
        {
            _varied = varied;
            _useful = useful;
        }

        public bool IsVaried(int value) => _varied.Contains(value);

        public bool IsActive(int value) => _varied.Contains(value) && _useful.Contains(value);

        public bool IsUseful(int value) => _useful.Contains(value);

        public static Activity Analyze(IrFunction function, IReadOnlyCollection<int> activeParams, CancellationToken cancellationToken = default)
        {
            return Analyze(function, activeParams, System.Array.Empty<int>(), cancellationToken);
        }

        /// <summary>
        /// With <paramref name="variedSequences"/>: spans the function only adds into (a reverse sweep's adjoint
        /// spans, differentiated again in forward-over-reverse) that are varied from the start.
        /// </summary>
        public static Activity Analyze(IrFunction function, IReadOnlyCollection<int> activeParams, IReadOnlyCollection<int> variedSequences, CancellationToken cancellationToken = default)
        {
            var varied = new IdSet();
            foreach (int id in activeParams) varied.Add(id);
            foreach (int id in variedSequences) varied.Add(id);
            var recorded = new IdSet();
            // One delegate for every rule's question (one per instruction was a tenth of a long method's bytes).
            System.Func<int, bool> isVaried = varied.Contains;
            // Repeat until stable: a buffer written late in a loop is read early in the next iteration.
            int before;
            do
            {
                before = varied.Count + recorded.Count;
                Varied(function.Body, varied, isVaried, recorded, cancellationToken);
            }
            while (varied.Count + recorded.Count != before);

            // A parameter the function writes into is an output (a vector-valued method's span), as its results are.
            var useful = new IdSet();
            foreach (var r in function.Results) useful.Add(r.Value);
            var parameters = new IdSet();
            foreach (var p in function.Params) parameters.Add(p.Id);
            var written = new IdSet();
            WrittenAmong(function.Body, parameters, written);
            foreach (var p in function.Params) if (written.Contains(p.Id)) useful.Add(p.Id);
            Useful(function.Body, useful, useful.Contains, cancellationToken);
            return new Activity(varied, useful);
        }

        private static void Varied(EquatableArray<Instr> body, IdSet varied, System.Func<int, bool> isVaried, IdSet recorded, CancellationToken cancellationToken)
        {
            foreach (var instr in body)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (instr.Op == Op.If)
                {
                    foreach (var region in instr.Regions) Varied(region.Body, varied, isVaried, recorded, cancellationToken);
                    for (int i = 0; i < instr.Results.Count; i++)
                    {
                        if (instr.Regions.Any(r => varied.Contains(r.Yields[i]))) varied.Add(instr.Results[i].Id);
                    }
                    continue;
                }
                if (instr.Op == Op.While)
                {
                    var cond = instr.Regions[0];
                    var loopBody = instr.Regions[1];
                    while (true)
                    {
                        for (int i = 0; i < instr.Args.Count; i++)
                        {
                            if (varied.Contains(instr.Args[i]) || varied.Contains(loopBody.Yields[i]))
                            {
                                varied.Add(loopBody.Params[i].Id);
                                varied.Add(cond.Params[i].Id);
                            }
                        }
                        Varied(cond.Body, varied, isVaried, recorded, cancellationToken);
                        Varied(loopBody.Body, varied, isVaried, recorded, cancellationToken);
                        // Iterate until no next value is varied while its carried value is not.
                        if (!Enumerable.Range(0, instr.Args.Count).Any(i => varied.Contains(loopBody.Yields[i]) && !varied.Contains(loopBody.Params[i].Id))) break;
                    }
                    for (int i = 0; i < instr.Results.Count; i++)
                    {
                        if (varied.Contains(loopBody.Params[i].Id)) varied.Add(instr.Results[i].Id);
                    }
                    continue;
                }
                switch (instr.Op)
                {
                    case Op.Element:
                    case Op.Read:
                        // An element of a varied floating sequence is varied.
                        if (varied.Contains(instr.Args[0]) && instr.Type.IsFloating) varied.Add(instr.Id);
                        continue;
                    case Op.Write:
                    case Op.AddTo:
                        // Writing a varied value makes the whole buffer varied.
                        if (varied.Contains(OpInfo.StoredValue(instr))) varied.Add(instr.Args[0]);
                        continue;
                    case Op.Push:
                        // A tape pairs each push with a pop by the recorded value's id (a whole buffer is varied or not by itself).
                        if (instr.Tape.Entry == TapeEntry.Value && varied.Contains(instr.Args[0])) recorded.Add(instr.Tape.Pair);
                        continue;
                    case Op.Pop:
                        if (instr.Tape.Entry == TapeEntry.Value && recorded.Contains(instr.Tape.Pair)) varied.Add(instr.Id);
                        continue;
                    case Op.Effect:
                        // A runtime adjoint rule adds into its last argument, a span.
                        if (instr.Args.Take(instr.Args.Count - 1).Any(isVaried)) varied.Add(instr.Args[instr.Args.Count - 1]);
                        continue;
                    case Op.CallVjp:
                    {
                        // The contributions (and what is added into the adjoint spans) vary with the seed and with the
                        // callee's active arguments.
                        var (count, spans) = CallVjpShape(instr);
                        if (!CallVjpVaries(instr, isVaried)) continue;
                        foreach (var r in instr.Results) varied.Add(r.Id);
                        for (int k = 0; k < spans; k++) varied.Add(instr.Args[count + 1 + k]);
                        continue;
                    }
                }
                // Any other operation varies when an operand its rule carries a derivative from does.
                var rule = RuleTable.For(instr);
                if (rule != null && rule.Varies(instr, isVaried))
                {
                    varied.Add(instr.Id);
                    // A call writing output spans makes them varied, as a write of a varied value does.
                    foreach (int output in OpInfo.Outputs(instr)) varied.Add(output);
                }
            }
        }

        /// <summary>
        /// Backwards from the results; an if or loop any of whose results is useful, or that writes into a useful buffer
        /// (one read afterwards, or an output), makes everything it reads useful.
        /// </summary>
        private static void Useful(EquatableArray<Instr> body, IdSet useful, System.Func<int, bool> isUseful, CancellationToken cancellationToken)
        {
            for (int k = body.Count - 1; k >= 0; k--)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var instr = body[k];
                if (instr.HasRegions)
                {
                    if (!instr.Results.Any(r => useful.Contains(r.Id)) && !instr.Regions.Any(r => Writes(r.Body, isUseful))) continue;
                    foreach (int arg in instr.Args) useful.Add(arg);
                    foreach (var region in instr.Regions) MarkAll(region, useful);
                    continue;
                }
                // A write is useful when its buffer is: what is written may be read back.
                if (instr.Op == Op.Write && useful.Contains(instr.Args[0])) useful.Add(instr.Id);
                if (OpInfo.Outputs(instr).Any(isUseful)) useful.Add(instr.Id);
                if (!useful.Contains(instr.Id)) continue;
                foreach (int arg in instr.Args) useful.Add(arg);
            }
        }

        /// <summary>Whether <paramref name="body"/>, or a region inside it, writes into a sequence that is <paramref name="target"/>.</summary>
        private static bool Writes(IEnumerable<Instr> body, System.Func<int, bool> target) =>
            body.Any(i => (OpInfo.WritesElements(i.Op) && target(i.Args[0])) || OpInfo.Outputs(i).Any(target) || i.Regions.Any(r => Writes(r.Body, target)));

        /// <summary>Adds to <paramref name="written"/> each of <paramref name="among"/> that <paramref name="body"/> (or a region inside it) writes into.</summary>
        private static void WrittenAmong(EquatableArray<Instr> body, IdSet among, IdSet written)
        {
            foreach (var instr in body)
            {
                if (OpInfo.WritesElements(instr.Op) && among.Contains(instr.Args[0])) written.Add(instr.Args[0]);
                foreach (int output in OpInfo.Outputs(instr)) if (among.Contains(output)) written.Add(output);
                foreach (var region in instr.Regions) WrittenAmong(region.Body, among, written);
            }
        }

        private static void MarkAll(Region region, IdSet useful)
        {
            foreach (var p in region.Params) useful.Add(p.Id);
            foreach (int y in region.Yields) useful.Add(y);
            foreach (var instr in region.Body)
            {
                useful.Add(instr.Id);
                foreach (int arg in instr.Args) useful.Add(arg);
                foreach (var r in instr.Results) useful.Add(r.Id);
                foreach (var inner in instr.Regions) MarkAll(inner, useful);
            }
        }

        /// <summary>
        /// A <see cref="Op.CallVjp"/>'s layout: how many original arguments come before the seed, and how many adjoint
        /// spans after it (the active parameters that are not scalars, so have no contribution result).
        /// </summary>
        public static bool CallVjpVaries(Instr call, System.Func<int, bool> isVaried)
        {
            int count = CallVjpShape(call).Count;
            return isVaried(call.Args[count]) || Enumerable.Range(0, count).Any(i => (CallActive(call, i) || call.Call.Outputs.Contains(i)) && isVaried(call.Args[i]));
        }

        public static (int Count, int Spans) CallVjpShape(Instr call)
        {
            int activeCount = call.Call.Active.Count;
            // (A merged call's first result is the callee's value, not a contribution: merge-pullbacks.)
            int contributions = call.Results.Count - (call.Call.ReturnsValue ? 1 : 0);
            int spans = activeCount - contributions / (call.Op == Op.CallVjpTangent ? 2 : 1);
            int count = call.Op == Op.CallVjpTangent
                ? (call.Args.Count - 1 - spans - activeCount - call.Call.Outputs.Count - 1 - spans)
                : call.Args.Count - 1 - spans;
            return (count, spans);
        }

        /// <summary>Whether argument <paramref name="index"/> of a call to a [Differentiable] method is one of its active parameters.</summary>
        public static bool CallActive(Instr call, int index) => CallActiveSet(call).Contains(index);

        /// <summary>The active operands of a call to a [Differentiable] method (or one of its companions) or to a method with a [DerivativeOf] rule.</summary>
        public static ActiveSet CallActiveSet(Instr call) => call.Op == Op.CallWithRule ? call.Rule.Active : call.Call.Active;

        /// <summary>
        /// Values a region reads that are defined outside it (including what it yields), in order of
        /// first use: where adjoints computed inside a region flow out to.
        /// </summary>
        public static IReadOnlyList<int> FreeValues(IEnumerable<Region> regions)
        {
            var defined = new HashSet<int>();
            var free = new List<int>();
            var seen = new HashSet<int>();
            void Use(int v)
            {
                if (!defined.Contains(v) && seen.Add(v)) free.Add(v);
            }
            void Walk(Region region)
            {
                foreach (var p in region.Params) defined.Add(p.Id);
                foreach (var instr in region.Body)
                {
                    foreach (int arg in instr.Args) Use(arg);
                    foreach (var inner in instr.Regions) Walk(inner);
                    defined.Add(instr.Id);
                    foreach (var r in instr.Results) defined.Add(r.Id);
                }
                foreach (int y in region.Yields) Use(y);
            }
            foreach (var region in regions) Walk(region);
            return free;
        }
    }
}
