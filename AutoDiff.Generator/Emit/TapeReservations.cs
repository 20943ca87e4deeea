using System.Collections.Generic;
using System.Linq;
using AutoDiff.Generator.Analysis;
using AutoDiff.Generator.Ir;

namespace AutoDiff.Generator.Emit
{
    /// <summary>The tapes a loop reserves room on before it starts: per tape type, the values one iteration pushes.</summary>
    internal sealed record LoopReservation(Instr Loop, TripCount Trips, IReadOnlyList<(string Type, int PerTrip)> Tapes);

    /// <summary>
    /// Decides which loops reserve their tapes' room before they start, so that the pushes inside them
    /// need no capacity check and the loop contains no call (not even a cold one: on x64 no vector
    /// register survives a call, so RyuJIT would keep the loop's <c>double</c>s in memory).
    /// </summary>
    /// <remarks>
    /// A loop reserves when its iteration count is known on entry: its condition is a single comparison
    /// of a carried int <c>p</c> with a loop-invariant <c>n</c> and every path through its body yields
    /// <c>p + 1</c> (for <c>&lt;</c>, <c>&lt;=</c>) or <c>p − 1</c> (for <c>&gt;</c>, <c>&gt;=</c>), so it runs
    /// exactly max(0, n − p₀) times (plus one for <c>&lt;=</c>, <c>&gt;=</c>). It also reserves when the
    /// condition is a conjunction (<c>&amp;&amp;</c>, or the exit flags that break and return add) with such
    /// a comparison between constants, up to <see cref="LoopTrips.MaxBoundedTrips"/> iterations: that is an upper
    /// bound. There a path may leave <c>p</c> unchanged if it also sets an exit flag that the condition
    /// tests (a break skips a for loop's increment), because no iteration follows it.
    /// Per iteration a loop reserves one value per scalar push of the tape's type in its body,
    /// counting both branches of an if (an upper bound). It does not reserve a tape that a loop nested in
    /// it pushes to (the nested loop's pushes would use up the room reserved for its own), that its
    /// condition pushes to, or that anything in it records a whole buffer on (<c>PushAll</c>); pushes
    /// whose innermost loop did not reserve stay checked.
    /// </remarks>
    internal sealed class TapeReservations
    {
        /// <summary>
        /// The most values reserved on one tape for a loop that may exit early: what fits in the tape's stack
        /// part. More would rent a pooled array on every call for room that such a loop (a solver that stops
        /// when it converges) mostly leaves unused, and a rental costs more than the checks it saves.
        /// </summary>
        public const long MaxBoundedValues = BodyEmitter.TapeCapacity;

        private LoopTrips _trips = null!;
        private readonly Dictionary<int, LoopReservation> _loops = new Dictionary<int, LoopReservation>();
        private readonly HashSet<int> _reservedPushes = new HashSet<int>();

        private TapeReservations()
        {
        }

        /// <summary>The reservation of each loop that makes one, by the loop's id.</summary>
        public IReadOnlyDictionary<int, LoopReservation> Loops => _loops;

        /// <summary>Whether a push (by id) writes into reserved room.</summary>
        public bool IsReserved(Instr push) => _reservedPushes.Contains(push.Id);

        public static TapeReservations Analyze(IrFunction function)
        {
            var plan = new TapeReservations();
            plan._trips = LoopTrips.Of(function);
            plan.Visit(function.Body);
            return plan;
        }

        private void Visit(EquatableArray<Instr> body)
        {
            foreach (var instr in body)
            {
                if (instr.Op == Op.While) Plan(instr);
                foreach (var region in instr.Regions) Visit(region.Body);
            }
        }

        private void Plan(Instr loop)
        {
            var trips = _trips.Trips(loop);
            if (trips == null) return;
            var condition = loop.Regions[0];
            var body = loop.Regions[1];
            var pushes = new List<Instr>();
            Pushes(body.Body, pushes, nested: false);
            var tapes = new List<(string, int)>();
            foreach (var group in pushes.GroupBy(p => p.Tape.Of.Display).OrderBy(g => g.Key, System.StringComparer.Ordinal))
            {
                string type = group.Key;
                if (AnyPush(condition.Body, type, p => true)) continue;
                if (AnyPush(body.Body, type, p => _trips.TypeOf(p.Args[0]).Kind == ValueKind.Sequence)) continue;
                if (NestedLoopPushes(body.Body, type)) continue;
                if (!trips.Exact && group.Count() * trips.ConstantTrips > MaxBoundedValues) continue;
                tapes.Add((type, group.Count()));
                foreach (var p in group) _reservedPushes.Add(p.Id);
            }
            if (tapes.Count > 0) _loops[loop.Id] = new LoopReservation(loop, trips, tapes);
        }

        /// <summary>The scalar pushes of a body, through its ifs but not into nested loops.</summary>
        private void Pushes(EquatableArray<Instr> body, List<Instr> into, bool nested)
        {
            foreach (var instr in body)
            {
                if (instr.Op == Op.Push && _trips.TypeOf(instr.Args[0]).Kind != ValueKind.Sequence) into.Add(instr);
                if (instr.Op == Op.If) foreach (var region in instr.Regions) Pushes(region.Body, into, nested);
            }
        }

        private bool AnyPush(EquatableArray<Instr> body, string type, System.Func<Instr, bool> which) =>
            body.Any(i => (i.Op == Op.Push && i.Tape.Of.Display == type && which(i)) || i.Regions.Any(r => AnyPush(r.Body, type, which)));

        private bool NestedLoopPushes(EquatableArray<Instr> body, string type) =>
            body.Any(i => (i.Op == Op.While && i.Regions.Any(r => AnyPush(r.Body, type, p => true)))
                          || (i.Op == Op.If && i.Regions.Any(r => NestedLoopPushes(r.Body, type))));

    }
}
