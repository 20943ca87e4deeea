using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using AutoDiff.Generator.Ir;

namespace AutoDiff.Generator.Analysis
{
    /// <summary>
    /// A loop counter: the carried integer at <see cref="Index"/> (body parameter <see cref="Param"/>) that every iteration
    /// advances by the constant <see cref="Step"/> (<c>i += 1</c>, <c>i -= 2</c>), starting at the loop's operand <see cref="Start"/>.
    /// </summary>
    public sealed record InductionVariable(int Index, int Param, int Start, int Step);

    /// <summary>
    /// A place a value is read: as an operand of <see cref="User"/>, as a yield of region <see cref="RegionIndex"/> of
    /// <see cref="Owner"/> (an if's result, a loop's next value or condition), or (both null) as a result of the function.
    /// </summary>
    public readonly struct Use
    {
        public Use(Instr? user, Instr? owner, int regionIndex)
        {
            User = user;
            Owner = owner;
            RegionIndex = regionIndex;
        }

        /// <summary>The instruction that reads the value as an operand, or null for a yield or a function result.</summary>
        public Instr? User { get; }

        /// <summary>For a yield, the if or loop whose region yields the value.</summary>
        public Instr? Owner { get; }

        public int RegionIndex { get; }

        /// <summary>For a yield, the region that yields the value.</summary>
        public Region? Region => Owner?.Regions[RegionIndex];

        public bool IsYield => User == null && Owner != null;

        public bool IsResult => User == null && Owner == null;
    }

    /// <summary>The uses of one value (<see cref="FunctionInfo.UsesOf"/>): a slice of one array, enumerated without allocating.</summary>
    public readonly struct Uses : IReadOnlyList<Use>
    {
        private readonly Use[]? _all;
        private readonly int _start;

        internal Uses(Use[] all, int start, int count)
        {
            _all = all;
            _start = start;
            Count = count;
        }

        public int Count { get; }

        public Use this[int index] => (uint)index < (uint)Count ? _all![_start + index] : throw new ArgumentOutOfRangeException(nameof(index));

        public Enumerator GetEnumerator() => new Enumerator(this);

        IEnumerator<Use> IEnumerable<Use>.GetEnumerator()
        {
            for (int i = 0; i < Count; i++) yield return this[i];
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => ((IEnumerable<Use>)this).GetEnumerator();

        public struct Enumerator
        {
            private readonly Uses _uses;
            private int _index;

            internal Enumerator(Uses uses)
            {
                _uses = uses;
                _index = -1;
            }

            public Use Current => _uses[_index];

            public bool MoveNext() => ++_index < _uses.Count;
        }
    }

    /// <summary>
    /// The facts about one IR function that the passes and the emitter share, computed once per function in one walk
    /// (<see cref="Of"/> caches them by the function object): each value's definition, type, source name, the region it is
    /// defined in and its index there, its uses in walk order, each region's owner (so the loop nest), and each loop's
    /// induction variables (<see cref="InductionVariables"/>, found in this one place). Reverse mode, fusion,
    /// <see cref="LoopTrips"/>, <c>Overwrite</c>, tape reservation and <c>BodyEmitter</c> read it rather than walking the
    /// regions again.
    /// </summary>
    public sealed class FunctionInfo
    {
        private static readonly ConditionalWeakTable<IrFunction, FunctionInfo> Cache = new ConditionalWeakTable<IrFunction, FunctionInfo>();

        private readonly IdMap<Instr> _definitions = new IdMap<Instr>();
        private readonly IdMap<TypeRef> _types = new IdMap<TypeRef>();
        private readonly IdMap<string> _names = new IdMap<string>();
        /// <summary>The region each value is defined in (absent: the function body or its parameters).</summary>
        private readonly IdMap<Region> _region = new IdMap<Region>();
        /// <summary>The index of a value's defining instruction in its block (−1 for a parameter).</summary>
        private readonly IdMap<int> _index = new IdMap<int>();
        private readonly Dictionary<Region, Instr> _owners = new Dictionary<Region, Instr>(ReferenceComparer<Region>.Instance);
        /// <summary>Every use, grouped by value: those of value v are <c>_uses[_firstUse[v] .. _firstUse[v + 1])</c>.</summary>
        private readonly Use[] _uses;
        private readonly int[] _firstUse;
        /// <summary>How many uses each value has, counted by the first walk (<see cref="Walk"/>), then where the next one goes (<see cref="Place"/>).</summary>
        private int[] _next = new int[64];
        private int _maxId;
        private readonly List<Instr> _loops = new List<Instr>();
        private readonly Dictionary<int, IReadOnlyList<InductionVariable>> _induction = new Dictionary<int, IReadOnlyList<InductionVariable>>();
        private LoopTrips? _trips;
        /// <summary>Each value's position in walk order (<see cref="PositionOf"/>), each if's or loop's last, each region's bounds.</summary>
        private readonly IdMap<int> _position = new IdMap<int>();
        private readonly IdMap<int> _last = new IdMap<int>();
        private readonly Dictionary<Region, (int Start, int End)> _regionSpan = new Dictionary<Region, (int, int)>(ReferenceComparer<Region>.Instance);
        private int _nextPosition;

        private FunctionInfo(IrFunction function)
        {
            Function = function;
            foreach (var p in function.Params) Define(p.Id, p.Type, p.Name, null, -1);
            Walk(function.Body, null);
            End = _nextPosition++;
            foreach (var result in function.Results) AddUse(result.Value);
            // Grouped by value, keeping walk order within each (a counting sort): the first walk counted the uses, a second
            // puts each in its place, so there is one array of uses and no list per value or of the whole walk.
            _firstUse = new int[_maxId + 2];
            for (int v = 0; v <= _maxId && v < _next.Length; v++) _firstUse[v + 1] = _firstUse[v] + _next[v];
            for (int v = _next.Length; v <= _maxId; v++) _firstUse[v + 1] = _firstUse[v];
            _uses = new Use[_firstUse[_maxId + 1]];
            _next = (int[])_firstUse.Clone();
            Place(function.Body);
            foreach (var result in function.Results) _uses[_next[result.Value]++] = new Use(null, null, 0);
            _next = null!;
        }

        /// <summary>Each use of <paramref name="body"/> in its place in <see cref="_uses"/>, in the order <see cref="Walk"/> counted them.</summary>
        private void Place(EquatableArray<Instr> body)
        {
            for (int k = 0; k < body.Count; k++)
            {
                var instr = body[k];
                foreach (int arg in instr.Args) _uses[_next[arg]++] = new Use(instr, null, 0);
                for (int r = 0; r < instr.Regions.Count; r++)
                {
                    var region = instr.Regions[r];
                    Place(region.Body);
                    foreach (int y in region.Yields) _uses[_next[y]++] = new Use(null, instr, r);
                }
            }
        }

        /// <summary>The analysis of <paramref name="function"/>, computed on first use and kept while the function lives.</summary>
        public static FunctionInfo Of(IrFunction function) => Cache.GetValue(function, f => new FunctionInfo(f));

        public IrFunction Function { get; }

        /// <summary>
        /// The position of the function's end (where its results are read): one more than the last position of its body.
        /// Positions number the function in walk order: each instruction one, each region's end (its yields) one; a
        /// region's parameters share the position of what follows them, an if's or loop's results that of its last region's
        /// end, a function parameter is −1. The emitter's liveness (a value's last read) is in these positions.
        /// </summary>
        public int End { get; }

        /// <summary>The position of <paramref name="value"/>'s definition (see <see cref="End"/>); −1 for a function parameter.</summary>
        public int PositionOf(int value) => _position.TryGetValue(value, out int p) ? p : -1;

        /// <summary>The last position inside an if or loop (its last region's end).</summary>
        public int LastPositionOf(Instr structured) => _last[structured.Id];

        /// <summary>The first position of a region (that of its parameters) and that of its end, where it yields.</summary>
        public (int Start, int End) SpanOf(Region region) => _regionSpan[region];

        /// <summary>Every loop of the function, outer ones before the loops nested in them, in program order.</summary>
        public IReadOnlyList<Instr> Loops => _loops;

        /// <summary>The loop trip counts known on entry (computed on first use).</summary>
        public LoopTrips Trips
        {
            get
            {
                lock (_induction) return _trips ??= LoopTrips.Of(this);
            }
        }

        private void Define(int id, TypeRef type, string? name, Region? region, int index)
        {
            if (id > _maxId) _maxId = id;
            _types[id] = type;
            if (!string.IsNullOrEmpty(name)) _names[id] = name!;
            if (region != null) _region[id] = region;
            _index[id] = index;
        }

        private void Walk(EquatableArray<Instr> body, Region? parent)
        {
            for (int k = 0; k < body.Count; k++)
            {
                var instr = body[k];
                int at = _nextPosition++;
                _position[instr.Id] = at;
                _definitions[instr.Id] = instr;
                if (!instr.HasRegions || instr.Results.Count == 0) Define(instr.Id, instr.Type, instr.Name, parent, k);
                else
                {
                    if (parent != null) _region[instr.Id] = parent;
                    _index[instr.Id] = k;
                    if (instr.Id > _maxId) _maxId = instr.Id;
                }
                foreach (int arg in instr.Args) AddUse(arg);
                if (instr.Op == Op.While) _loops.Add(instr);
                for (int r = 0; r < instr.Regions.Count; r++)
                {
                    var region = instr.Regions[r];
                    _owners[region] = instr;
                    int start = _nextPosition;
                    foreach (var p in region.Params)
                    {
                        Define(p.Id, p.Type, p.Name, region, -1);
                        _position[p.Id] = start;
                    }
                    Walk(region.Body, region);
                    _regionSpan[region] = (start, _nextPosition++);
                    foreach (int y in region.Yields) AddUse(y);
                }
                if (instr.HasRegions) _last[instr.Id] = _nextPosition - 1;
                foreach (var result in instr.Results)
                {
                    _position[result.Id] = instr.HasRegions ? _last[instr.Id] : at;
                    _definitions[result.Id] = instr;
                    Define(result.Id, result.Type, result.Name, parent, k);
                }
            }
        }

        /// <summary>Counts a use of <paramref name="value"/>.</summary>
        private void AddUse(int value)
        {
            if (value > _maxId) _maxId = value;
            if (value >= _next.Length) System.Array.Resize(ref _next, System.Math.Max(value + 1, 2 * _next.Length));
            _next[value]++;
        }

        /// <summary>The instruction that defines <paramref name="value"/> (an if or loop for its results), or false for a parameter.</summary>
        public bool TryGetDefinition(int value, out Instr definition) => _definitions.TryGetValue(value, out definition!);

        /// <summary>The instruction that defines <paramref name="value"/>, or null for a parameter (of the function or a region).</summary>
        public Instr? Definition(int value) => _definitions.TryGetValue(value, out var d) ? d : null;

        public TypeRef TypeOf(int value) => _types[value];

        /// <summary>The source name of a value (an instruction's, a result's, a parameter's), or null.</summary>
        public string? NameOf(int value) => _names.TryGetValue(value, out var n) ? n : null;

        /// <summary>Whether <paramref name="value"/> is one of the function's parameters.</summary>
        public bool IsParameter(int value)
        {
            foreach (var p in Function.Params) if (p.Id == value) return true;
            return false;
        }

        /// <summary>Whether <paramref name="value"/> is an integer constant equal to <paramref name="expected"/>.</summary>
        public bool IsInteger(int value, long expected) =>
            TryGetDefinition(value, out var d) && d.Op == Op.Const && d.IsInteger(out long v) && v == expected;

        /// <summary>One value, or two integer constants equal to each other (a bound written in a loop's condition as a literal).</summary>
        public bool SameInteger(int a, int b) =>
            a == b || (TryGetDefinition(b, out var d) && d.Op == Op.Const && d.IsInteger(out long v) && IsInteger(a, v));

        /// <summary>
        /// Whether <paramref name="loop"/> is <c>for (j = 0; j &lt; n; j++)</c>: its first carried value starts at the integer 0,
        /// its condition is <c>j &lt; n</c> and constants only (no exit flag), and its body yields <c>j + 1</c> for it.
        /// <paramref name="counter"/> is j in the body, <paramref name="bound"/> n.
        /// </summary>
        public bool CountsUpFromZero(Instr loop, out int counter, out int bound)
        {
            counter = bound = -1;
            if (loop.Op != Op.While || loop.Regions.Count != 2 || loop.Args.Count == 0 || !IsInteger(loop.Args[0], 0)) return false;
            var condition = loop.Regions[0];
            var body = loop.Regions[1];
            if (condition.Yields.Count != 1 || condition.Body.Any(i => i.Op != Op.Const && i.Id != condition.Yields[0])) return false;
            var test = condition.Body.FirstOrDefault(i => i.Id == condition.Yields[0]);
            if (test == null || test.Op != Op.Lt || test.Args[0] != condition.Params[0].Id) return false;
            var step = body.Body.FirstOrDefault(i => i.Id == body.Yields[0]);
            if (step == null || step.Op != Op.Add || step.Args[0] != body.Params[0].Id || !IsInteger(step.Args[1], 1)) return false;
            counter = body.Params[0].Id;
            bound = test.Args[1];
            return true;
        }

        /// <summary>Whether <paramref name="value"/> is an integer constant or any other constant, with its value as a double.</summary>
        public bool IsConst(int value, out double number)
        {
            number = 0;
            if (!_definitions.TryGetValue(value, out var d) || d.Op != Op.Const || d.HasRegions) return false;
            number = d.Constant.Value;
            return true;
        }

        /// <summary>The region <paramref name="value"/> is defined in: a parameter of it, or an instruction (or result) of its body; null for the function's own.</summary>
        public Region? RegionOf(int value) => _region.TryGetValue(value, out var r) ? r : null;

        /// <summary>Whether <paramref name="value"/> is defined at the top level of <paramref name="region"/> (null: the function body).</summary>
        public bool IsDefinedIn(int value, Region? region) => ReferenceEquals(RegionOf(value), region) && _types.ContainsKey(value);

        /// <summary>The index in its block of the instruction that defines <paramref name="value"/> (−1 for a parameter).</summary>
        public int IndexOf(int value) => _index[value];

        /// <summary>The if or loop a region belongs to.</summary>
        public Instr OwnerOf(Region region) => _owners[region];

        /// <summary>The innermost if or loop whose regions hold <paramref name="value"/>'s definition, or null at the top level.</summary>
        public Instr? Parent(int value) => RegionOf(value) is Region r ? _owners[r] : null;

        /// <summary>The innermost loop around <paramref name="value"/>'s definition (its body or its condition), or null.</summary>
        public Instr? LoopOf(int value)
        {
            for (var parent = Parent(value); parent != null; parent = Parent(parent.Id))
            {
                if (parent.Op == Op.While) return parent;
            }
            return null;
        }

        /// <summary>Whether <paramref name="value"/> is defined inside one of <paramref name="structured"/>'s regions, at any depth.</summary>
        public bool IsInside(int value, Instr structured)
        {
            for (var parent = Parent(value); parent != null; parent = Parent(parent.Id))
            {
                if (ReferenceEquals(parent, structured)) return true;
            }
            return false;
        }

        /// <summary>Every read of <paramref name="value"/>, in walk order: an instruction's operands, then its regions (their bodies, then their yields); the function's results last.</summary>
        public Uses UsesOf(int value) =>
            value >= 0 && value <= _maxId ? new Uses(_uses, _firstUse[value], _firstUse[value + 1] - _firstUse[value]) : default;

        /// <summary>Every value that is read at least once, by id.</summary>
        public IEnumerable<int> UsedValues
        {
            get
            {
                for (int v = 0; v <= _maxId; v++)
                {
                    if (_firstUse[v + 1] > _firstUse[v]) yield return v;
                }
            }
        }

        public int UseCount(int value) => value >= 0 && value <= _maxId ? _firstUse[value + 1] - _firstUse[value] : 0;

        /// <summary>
        /// The counters of <paramref name="loop"/>: carried integers whose next value, at the body's own level, is the
        /// parameter plus or minus a constant. The body's own level, deliberately: a counter stepped inside a branch is an
        /// if's result, not an induction variable. The one detection of induction variables, which the reverse sweep
        /// (counters recomputed from the iteration number, trip counts from a counter's final value) and <c>Overwrite</c>
        /// (a loop tiling a span) use.
        /// </summary>
        public IReadOnlyList<InductionVariable> InductionVariables(Instr loop)
        {
            lock (_induction)
            {
                if (_induction.TryGetValue(loop.Id, out var known)) return known;
            }
            var body = loop.Regions[1];
            var found = new List<InductionVariable>();
            for (int i = 0; i < body.Params.Count; i++)
            {
                var p = body.Params[i];
                if (p.Type.Kind != ValueKind.Integer) continue;
                int yield = body.Yields[i];
                if (!IsDefinedIn(yield, body) || !TryGetDefinition(yield, out var next) || next.HasRegions) continue;
                if ((next.Op != Op.Add && next.Op != Op.Sub) || next.Args[0] != p.Id) continue;
                if (!IsConst(next.Args[1], out double step)) continue;
                found.Add(new InductionVariable(i, p.Id, loop.Args[i], (int)step * (next.Op == Op.Add ? 1 : -1)));
            }
            lock (_induction) _induction[loop.Id] = found;
            return found;
        }
    }
}
