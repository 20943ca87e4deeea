using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using AutoDiff.Generator.Ir;

namespace AutoDiff.Generator.Emit
{
    /// <summary>Where a function result goes in the emitted method.</summary>
    public readonly record struct ResultTarget(bool IsReturn, string Name)
    {
        public static ResultTarget Return => new ResultTarget(true, "");

        public static ResultTarget Assign(string name) => new ResultTarget(false, name);
    }

    /// <summary>
    /// Turns an IR function into the statements of a C# method body. Single-use temporaries are
    /// folded back into expressions (never across a loop boundary, which would repeat them); every
    /// value that came from a source variable (or is the tangent or adjoint of one) becomes a local
    /// named after it; a new SSA version reuses its variable's local when the previous version is
    /// dead, so <c>t = t * 2</c> stays one local and adjoint accumulation reads <c>tAdj += …</c>.
    /// Ifs become <c>if</c>/<c>else</c> (or <c>?:</c>, <c>&amp;&amp;</c>, <c>||</c> when their branches are
    /// single expressions) and loops become <c>while</c> over locals for their carried values.
    /// </summary>
    public sealed class BodyEmitter
    {
        private const int Conditional = 1, OrElse = 2, AndAlso = 3, BitOr = 4, BitXor = 5, BitAnd = 6, Equality = 7, Relational = 8, Shift = 9, Additive = 10, Multiplicative = 11, Unary = 12, Primary = 13;

        private readonly IrFunction _function;
        private readonly SourceWriter _w;
        /// <summary>Definitions, types and uses of the function's values (the analysis the passes share).</summary>
        private readonly Analysis.FunctionInfo _info;
        private readonly IdSet _inline = new IdSet();
        private readonly IdMap<int> _lastUse = new IdMap<int>();
        private readonly List<(int Start, int End)> _loops = new List<(int, int)>();
        private readonly IdMap<string> _local = new IdMap<string>();
        private readonly Dictionary<string, int> _holder = new Dictionary<string, int>();
        /// <summary>A value a loop body yields, and the carried local it goes back into.</summary>
        private readonly IdMap<string> _yieldTarget = new IdMap<string>();
        private readonly Dictionary<string, TypeRef> _localTypes = new Dictionary<string, TypeRef>();
        private readonly HashSet<string> _taken = new HashSet<string>();
        private readonly SortedDictionary<string, string> _tapes = new SortedDictionary<string, string>(System.StringComparer.Ordinal);
        private HashSet<string>? _reads;
        private readonly Dictionary<string, string> _alias = new Dictionary<string, string>();
        private IReadOnlyList<string>? _epilogue;
        private string? _returnExpression;
        private CancellationToken _cancellationToken;
        /// <summary>Statements written before top-level instruction <see cref="_clearsAt"/> (see <see cref="Emit"/>).</summary>
        private List<string>? _clears;
        private int _clearsAt;
        /// <summary>The next <see cref="Block"/> is the function's own body.</summary>
        private bool _atTop;

        private BodyEmitter(IrFunction function, SourceWriter writer)
        {
            _function = function;
            _info = Analysis.FunctionInfo.Of(function);
            _w = writer;
        }

        /// <param name="paramNames">The C# name of each IR parameter, by index.</param>
        /// <param name="reserved">Other names in scope (out parameters) that locals must avoid.</param>
        /// <param name="targets">Where each IR result goes, by index.</param>
        /// <param name="clears">
        /// Statements clearing output spans (by IR parameter index) that a function which may throw writes as late as it can:
        /// after its last top-level instruction that may throw, unless an instruction before that reads or writes the span,
        /// so a throw leaves the outputs as they were.
        /// </param>
        /// <param name="epilogue">Statements after the results are assigned (a struct adjoint rebuilt from its leaves).</param>
        /// <param name="returnExpression">What is returned when no result is the return value (a struct built from result leaves).</param>
        /// <param name="inPlace">Struct leaves among <paramref name="paramNames"/> (<c>pAdj.X</c>) that a new version of their IR parameter may be written into.</param>
        internal static void Emit(SourceWriter writer, IrFunction function, IReadOnlyList<string> paramNames, IEnumerable<string> reserved, IReadOnlyList<ResultTarget> targets, string? returnHint, CancellationToken cancellationToken,
            IReadOnlyList<(int Param, string Line)>? clears = null, IReadOnlyList<string>? epilogue = null, string? returnExpression = null, ICollection<string>? inPlace = null)
        {
            var emitter = new BodyEmitter(function, writer) { _cancellationToken = cancellationToken, _epilogue = epilogue, _returnExpression = returnExpression };
            if (clears != null && clears.Count > 0)
            {
                var body = function.Body;
                int at = 0;
                for (int i = 0; i < body.Count; i++) if (OpInfo.MayThrow(body[i])) at = i + 1;
                foreach (var (param, _) in clears)
                {
                    int id = function.Params[param].Id;
                    for (int i = 0; i < at; i++) if (IrWalk.Reads(new[] { body[i] }.ToEquatableArray(), id)) at = i;
                }
                emitter._clearsAt = at;
                emitter._clears = clears.Select(c => c.Line).ToList();
            }
            foreach (var name in reserved) emitter._taken.Add(name);
            for (int i = 0; i < function.Params.Count; i++)
            {
                var p = function.Params[i];
                emitter._local[p.Id] = paramNames[i];
                emitter._holder[paramNames[i]] = p.Id;
                emitter._localTypes[paramNames[i]] = p.Type;
                emitter._taken.Add(paramNames[i]);
                // A struct leaf (pAdj.X) stands for the IR's pXAdj: a new version of it may be written in place.
                if (inPlace != null && inPlace.Contains(paramNames[i]) && p.Name.Length > 0) emitter._alias[p.Name] = paramNames[i];
            }
            emitter.Run(targets, returnHint);
        }

        // ---- analysis ----

        private void Run(IReadOnlyList<ResultTarget> targets, string? returnHint)
        {
            Ranges(_function.Body);
            int end = _info.End;
            DecideInlining(_function.Body);
            Liveness(end);

            DeclareTapes(_function.Body);
            foreach (var tape in _tapes)
            {
                // No `using`: the tapes are released by one call at the end (see below).
                _w.Line("var " + tape.Value + " = new global::AutoDiff.Tape<" + tape.Key + ">(stackalloc " + tape.Key + "[" + TapeCapacity + "]);");
            }
            string? returnName = null;
            if (_function.Results.Count > 0 && returnHint != null) returnName = returnHint;
            _atTop = true;
            Block(_function.Body, returnName);
            if (_clears != null && _clearsAt >= _function.Body.Count) foreach (var line in _clears) _w.Line(line);

            string? returned = null;
            for (int i = 0; i < targets.Count; i++)
            {
                var result = _function.Results[i];
                if (targets[i].IsReturn)
                {
                    returned = Expr(result.Value, 0);
                    continue;
                }
                // A result only the epilogue or the return expression reads (a leaf of a struct result).
                if (targets[i].Name.Length == 0) continue;
                if (_local.TryGetValue(result.Value, out var local) && local == targets[i].Name) continue;
                _w.Line(targets[i].Name + " = " + Expr(result.Value, 0) + ";");
            }
            if (_epilogue != null) foreach (var line in _epilogue) _w.Line(WithResults(line));
            if (_returnExpression != null) returned ??= WithResults(_returnExpression);
            if (_tapes.Count > 0)
            {
                ReleaseTapes(returned);
                return;
            }
            if (returned != null) _w.Line("return " + returned + ";");
        }

        /// <summary>A result's placeholder in an epilogue line or return expression (<see cref="WithResults"/>).</summary>
        internal static string ResultPlaceholder(int index) => "\u0001" + index.ToString(CultureInfo.InvariantCulture) + "\u0002";

        /// <summary>The line with each result placeholder replaced by that result's expression.</summary>
        private string WithResults(string line) =>
            System.Text.RegularExpressions.Regex.Replace(line, "\u0001([0-9]+)\u0002", m => Expr(_function.Results[int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)].Value, 0));

        /// <summary>The number of tapes one <c>Tape.Release</c> call takes.</summary>
        private const int ReleaseArity = 4;

        /// <summary>
        /// Ends the method with <c>return global::AutoDiff.Tape.Release(result, doubleTape.Rented, …);</c> (or the call alone
        /// when there is no result): one call that is never inlined, after the out parameters are written,
        /// with the result passed through it rather than held across it. A <c>using</c> declaration (a
        /// try/finally) or a call with the loops' <c>double</c>s live across it would make the JIT keep those
        /// in memory in every iteration. If the method throws, the tapes' pooled arrays are not returned to
        /// the pool; the garbage collector reclaims them.
        /// </summary>
        private void ReleaseTapes(string? returned)
        {
            // The tapes' arrays, not the tapes: a tape passed by value is copied through memory, which costs more than the call.
            var names = _tapes.Values.Select(t => t + ".Rented").ToList();
            // Four tapes per call; with a result, the last call takes it and returns it.
            int head = names.Count - (returned != null ? System.Math.Min(ReleaseArity, names.Count) : 0);
            for (int i = 0; i < head; i += ReleaseArity)
            {
                _w.Line("global::AutoDiff.Tape.Release(" + string.Join(", ", names.Skip(i).Take(System.Math.Min(ReleaseArity, head - i))) + ");");
            }
            names = names.Skip(head).ToList();
            if (returned != null) _w.Line("return global::AutoDiff.Tape.Release(" + returned + ", " + string.Join(", ", names) + ");");
        }

        /// <summary>Values on the stack before a tape spills to a pooled array.</summary>
        internal const int TapeCapacity = 64;

        /// <summary>
        /// The positions (<see cref="Analysis.FunctionInfo.PositionOf"/>) each loop spans and each if's branches span, each
        /// listed after those nested in it.
        /// </summary>
        private void Ranges(EquatableArray<Instr> body)
        {
            foreach (var instr in body)
            {
                if (!instr.HasRegions) continue;
                foreach (var region in instr.Regions) Ranges(region.Body);
                if (instr.Op == Op.If)
                {
                    var (thenStart, thenEnd) = _info.SpanOf(instr.Regions[0]);
                    var (elseStart, elseEnd) = _info.SpanOf(instr.Regions[1]);
                    _branches.Add((thenStart, thenEnd, elseStart, elseEnd));
                }
                if (instr.Op == Op.While) _loops.Add((_info.PositionOf(instr.Id) + 1, _info.LastPositionOf(instr)));
            }
        }

        private int Uses(int value) => _info.UseCount(value);

        private bool IsInlineChoice(Instr instr) =>
            instr.Op == Op.If && instr.Results.Count == 1 && _inline.Contains(instr.Results[0].Id);

        /// <summary>
        /// Constants and <c>this</c> are always written in place; a pure unnamed value read once, by an
        /// instruction or yield of its own block, is written inside its reader (never moved into a loop),
        /// unless that would nest the expression deeper than <see cref="MaxInlineDepth"/>: then it gets a local.
        /// </summary>
        private void DecideInlining(EquatableArray<Instr> body)
        {
            foreach (var instr in body)
            {
                foreach (var region in instr.Regions) DecideInlining(region.Body);
                if (instr.HasRegions)
                {
                    if (instr.Op == Op.If && instr.Results.Count == 1 && instr.Results[0].Name.Length == 0 && IsExpressionIf(instr) && ReadOnceHere(instr.Results[0].Id))
                    {
                        int depth = 1 + System.Math.Max(InlineDepth(instr.Args), System.Math.Max(InlineDepth(instr.Regions[0].Yields), InlineDepth(instr.Regions[1].Yields)));
                        if (depth <= MaxInlineDepth) Inline(instr.Results[0].Id, depth);
                    }
                    continue;
                }
                if (instr.Op == Op.Const && IsNegativeIndex(instr)) continue;
                if (instr.Op == Op.Const || instr.Op == Op.This) { _inline.Add(instr.Id); continue; }
                if (Movable(instr) && instr.Name == null && ReadOnceHere(instr.Id))
                {
                    int depth = 1 + InlineDepth(instr.Args);
                    if (depth <= MaxInlineDepth) Inline(instr.Id, depth);
                }
            }
        }

        /// <summary>
        /// A negative integer constant that indexes a sequence (the access throws). It is held in a local: written in
        /// place on an array, C# warns (CS0251) where the method itself may not have, e.g. reading a span that an
        /// inlined callee's caller passes as an array.
        /// </summary>
        private bool IsNegativeIndex(Instr constant) =>
            constant.IsInteger(out long value) && value < 0
            && _info.UsesOf(constant.Id).Any(s => s.User is Instr use && OpInfo.IndexesSequence(use.Op)
                && Enumerable.Range(0, use.Args.Count).Any(p => use.Args[p] == constant.Id && OpInfo.IsIndex(use, p)));

        /// <summary>
        /// How deep inlined values may nest in one expression. Writing an expression recurses once per level, and a source's
        /// expression may be as deep as it is long (a 5,000-term sum): deeper ones are cut into locals.
        /// </summary>
        private const int MaxInlineDepth = 100;

        /// <summary>An operand that may be evaluated twice: a name or a member access.</summary>
        private static readonly System.Text.RegularExpressions.Regex SimpleName = new System.Text.RegularExpressions.Regex(@"^@?[A-Za-z_][\w.@]*$");

        private readonly IdMap<int> _inlineDepth = new IdMap<int>();

        private void Inline(int value, int depth)
        {
            _inline.Add(value);
            _inlineDepth[value] = depth;
        }

        /// <summary>How deeply the inlined operands among <paramref name="values"/> nest (0: none is inlined, or only constants).</summary>
        private int InlineDepth(EquatableArray<int> values)
        {
            int depth = 0;
            foreach (int v in values) if (_inlineDepth.TryGetValue(v, out int d) && d > depth) depth = d;
            return depth;
        }

        /// <summary>
        /// Whether an instruction may be written where its value is read rather than where it stands: pure (a call
        /// with effects stays a statement of its own, in order), and not reading a buffer's elements (a call or
        /// reduction over a local buffer), which a write or a restore in between could change.
        /// </summary>
        private bool Movable(Instr instr)
        {
            if (!OpInfo.IsPure(instr)) return false;
            if (!OpInfo.Row(instr.Op).ReadsElements) return true;
            foreach (int a in instr.Args)
            {
                if (IrBuilder.IsMutableSequence(_info.TypeOf(a), _info.Definition(a))) return false;
            }
            return true;
        }

        private bool ReadOnceHere(int value)
        {
            var list = _info.UsesOf(value);
            if (list.Count != 1) return false;
            var site = list[0];
            // In the same block: the reader is an instruction or a yield of the region the value is defined in.
            var block = _info.RegionOf(value);
            if (site.User != null) return ReferenceEquals(_info.RegionOf(site.User.Id), block);
            if (site.Region != null) return ReferenceEquals(site.Region, block);
            return block == null;
        }

        /// <summary>Whether both branches compute nothing but the value they yield.</summary>
        private bool IsExpressionIf(Instr instr) =>
            instr.Regions.All(r => r.Body.All(i => !i.HasRegions && (i.Op == Op.Const || i.Op == Op.This || (Movable(i) && i.Name == null && Uses(i.Id) == 1))));

        /// <summary>The position of the statement a read finally happens in (inlined readers move it to theirs).</summary>
        private int Position(Analysis.Use site, int end) => InlinedReader(site) is int inlined ? PositionOf(inlined, end) : OwnPosition(site, end);

        /// <summary>The value of the reader when it is written inside its own reader in turn (inlined), else null.</summary>
        private int? InlinedReader(Analysis.Use site)
        {
            if (site.User != null)
            {
                var c = site.User;
                if (c.HasRegions) return IsInlineChoice(c) ? c.Results[0].Id : (int?)null;
                return _inline.Contains(c.Id) ? c.Id : (int?)null;
            }
            if (site.Region != null && IsInlineChoice(site.Owner!)) return site.Owner!.Results[0].Id;
            return null;
        }

        private int OwnPosition(Analysis.Use site, int end) =>
            site.User != null ? _info.PositionOf(site.User.Id) : site.Region != null ? _info.SpanOf(site.Region).End : end;

        /// <summary>
        /// Where an inlined value is finally read: down its chain of inlined readers, walked in a loop (a 5,000-term sum is
        /// a chain that long) and remembered for every value on the way, so that all the chains together take linear time.
        /// </summary>
        private int PositionOf(int inlined, int end)
        {
            var chain = _chain;
            chain.Clear();
            int value = inlined, position;
            while (true)
            {
                if (_finalPositions.TryGetValue(value, out position)) break;
                chain.Add(value);
                var list = _info.UsesOf(value);
                if (list.Count != 1)
                {
                    position = end;
                    break;
                }
                if (InlinedReader(list[0]) is int next)
                {
                    value = next;
                    continue;
                }
                position = OwnPosition(list[0], end);
                break;
            }
            foreach (int v in chain) _finalPositions[v] = position;
            return position;
        }

        private readonly IdMap<int> _finalPositions = new IdMap<int>();

        /// <summary>The values on the chain <see cref="PositionOf"/> walks, a list it reuses.</summary>
        private readonly List<int> _chain = new List<int>();

        private void Liveness(int end)
        {
            foreach (int value in _info.UsedValues)
            {
                int def = _info.PositionOf(value);
                _firstUsePosition[value] = _usePositions.Count;
                int last = -1;
                foreach (var site in _info.UsesOf(value))
                {
                    int position = Position(site, end);
                    foreach (var (start, stop) in _loops)
                    {
                        // A value read inside a loop it was defined outside of is read on every iteration.
                        if (position >= start && position <= stop && (def < start || def > stop)) position = System.Math.Max(position, stop);
                    }
                    _usePositions.Add(position);
                    last = System.Math.Max(last, position);
                }
                _lastUse[value] = last;
            }
        }

        /// <summary>Where each use of each value finally happens, the uses of a value together (from <see cref="_firstUsePosition"/>, as many as it has uses).</summary>
        private readonly List<int> _usePositions = new List<int>();
        private readonly IdMap<int> _firstUsePosition = new IdMap<int>();
        private readonly List<(int ThenStart, int ThenEnd, int ElseStart, int ElseEnd)> _branches = new List<(int, int, int, int)>();

        /// <summary>
        /// Whether nothing reads <paramref name="value"/> after <paramref name="position"/> on any path:
        /// a read in the other branch of an if that <paramref name="position"/> is in cannot follow it.
        /// </summary>
        private bool IsDeadAfter(int value, int position)
        {
            if (value < 0 || !_firstUsePosition.TryGetValue(value, out int first)) return true;
            for (int k = first, stop = first + _info.UseCount(value); k < stop; k++)
            {
                int use = _usePositions[k];
                if (use <= position) continue;
                if (InElseOfEnclosingIf(position, use)) continue;
                return false;
            }
            return true;
        }

        /// <summary>For each position, the innermost if (index in <see cref="_branches"/>) whose then branch holds it, or −1.</summary>
        private int[]? _thenOf;

        /// <summary>For each if, the innermost if whose then branch holds it, or −1.</summary>
        private int[]? _outerThen;

        /// <summary>
        /// Whether <paramref name="use"/> (after <paramref name="position"/>) is in the else branch of an if whose then branch
        /// holds <paramref name="position"/>. (A then branch is numbered before its else, so the other way round cannot be.)
        /// The ifs whose then branch holds a position are nested: walked from the innermost out, so a body with thousands of
        /// ifs is not checked against every one of them for every read.
        /// </summary>
        private bool InElseOfEnclosingIf(int position, int use)
        {
            if (_branches.Count == 0) return false;
            if (_thenOf == null)
            {
                // Ifs are listed inner before outer (each after its branches are numbered): the first to claim a position is the innermost.
                _thenOf = new int[_info.End + 2];
                for (int p = 0; p < _thenOf.Length; p++) _thenOf[p] = -1;
                for (int k = 0; k < _branches.Count; k++)
                {
                    for (int p = _branches[k].ThenStart; p <= _branches[k].ThenEnd && p < _thenOf.Length; p++)
                    {
                        if (_thenOf[p] < 0) _thenOf[p] = k;
                    }
                }
                // An if's own position comes just before its then branch.
                _outerThen = new int[_branches.Count];
                for (int k = 0; k < _branches.Count; k++) _outerThen[k] = ThenOf(_branches[k].ThenStart - 1);
            }
            for (int k = ThenOf(position); k >= 0; k = _outerThen![k])
            {
                if (InRange(use, _branches[k].ElseStart, _branches[k].ElseEnd)) return true;
            }
            return false;
        }

        private int ThenOf(int position) => position >= 0 && position < _thenOf!.Length ? _thenOf[position] : -1;

        private static bool InRange(int x, int start, int end) => x >= start && x <= end;

        private int LastUse(int value) => _lastUse.TryGetValue(value, out int last) ? last : -1;

        private void DeclareTapes(EquatableArray<Instr> body)
        {
            foreach (var instr in body)
            {
                if ((instr.Op == Op.Push || instr.Op == Op.Pop) && !_tapes.ContainsKey(instr.Tape.Of.Display)) _tapes[instr.Tape.Of.Display] = TapeName(instr.Tape.Of.Display);
                if (instr.Op == Op.Reserve && !_tapes.ContainsKey(instr.Room.Of.Display)) _tapes[instr.Room.Of.Display] = TapeName(instr.Room.Of.Display);
                foreach (var region in instr.Regions) DeclareTapes(region.Body);
            }
        }

        private string TapeName(string type) => Fresh(type.Replace("global::", "").Replace(".", "") + "Tape");

        /// <summary>The tapes (by element type) whose values and count are in locals here (<see cref="OpenCursors"/>).</summary>
        private readonly Dictionary<string, (string Values, string Count)> _cursors = new Dictionary<string, (string, string)>(System.StringComparer.Ordinal);

        /// <summary>
        /// Before <paramref name="loop"/>: for each tape not already open whose every use anywhere in the loop is a push into
        /// reserved room or a pop of one value (no reserve, no checked push that may grow it, no buffer pushed whole), and
        /// that it uses, <c>var doubleTapeValues = doubleTape.Open(out int doubleTapeCount);</c>: the loop pushes and pops
        /// through the two locals, the count in a register (<c>Tape.Open</c>), and <c>Close</c> after the loop gives the
        /// count back. Returns the tapes opened.
        /// </summary>
        private List<string> OpenCursors(Instr loop)
        {
            var opened = new List<string>();
            if (_tapes.Count == 0) return opened;
            var uses = new Dictionary<string, bool>(System.StringComparer.Ordinal);
            foreach (var instr in IrWalk.All(loop.Regions.SelectMany(r => r.Body)))
            {
                if (instr.Op == Op.Push) Note(instr.Tape.Of.Display, instr.Tape.Reserved && _info.TypeOf(instr.Args[0]).Kind != ValueKind.Sequence);
                else if (instr.Op == Op.Pop) Note(instr.Tape.Of.Display, instr.Args.Count == 0);
                else if (instr.Op == Op.Reserve) Note(instr.Room.Of.Display, false);
            }
            foreach (var type in _tapes.Keys)
            {
                if (!uses.TryGetValue(type, out bool fits) || !fits || _cursors.ContainsKey(type)) continue;
                string tape = _tapes[type];
                var cursor = (Fresh(tape + "Values"), Fresh(tape + "Count"));
                _w.Line("var " + cursor.Item1 + " = " + tape + ".Open(out int " + cursor.Item2 + ");");
                _cursors[type] = cursor;
                opened.Add(type);
            }
            return opened;

            void Note(string tape, bool fits) => uses[tape] = fits && (!uses.TryGetValue(tape, out bool before) || before);
        }

        /// <summary>
        /// <c>2 * ((long)n - i)</c>: the room a reserve makes (<see cref="TapeRoom"/>), values per iteration times the operands
        /// added, those subtracted and the offset, written as the <c>long</c> arithmetic it is (a negative count reserves nothing).
        /// A nest's is <c>checked((long)n * (1 + Math.Max(0L, (long)k) * (1 + 2 * Math.Max(0L, (long)d))))</c> (<see cref="TapeRoom.Count"/>):
        /// a nested loop's count taken as at least 0 unless it is a length, the product checked so that it never wraps.
        /// </summary>
        private string Room(Instr reserve)
        {
            var room = reserve.Room;
            var args = reserve.Args;
            int own = room.OwnOperands(args.Count);
            if (room.Inner.Count == 0)
            {
                if (args.Count == 0) return (room.PerTrip * room.Offset).ToString(CultureInfo.InvariantCulture);
                string text = Trips(args, 0, own, room.Added, room.Offset);
                bool single = args.Count == 1 && room.Offset == 0;
                return room.PerTrip == 1 ? text : room.PerTrip.ToString(CultureInfo.InvariantCulture) + " * " + (single ? text : "(" + text + ")");
            }
            int at = own, next = 0;
            string Nested(int depth, long perTrip)
            {
                var terms = new List<string>();
                if (perTrip != 0) terms.Add(perTrip.ToString(CultureInfo.InvariantCulture));
                while (next < room.Inner.Count && room.Inner[next].Depth == depth)
                {
                    var e = room.Inner[next++];
                    string trips;
                    if (e.Operands == 0) trips = System.Math.Max(0, e.Offset).ToString(CultureInfo.InvariantCulture) + "L";
                    else
                    {
                        trips = Trips(args, at, e.Operands, e.Added, e.Offset);
                        bool length = e.Operands == 1 && e.Added == 1 && e.Offset >= 0 && _info.TryGetDefinition(args[at], out var d) && d.Op == Op.Length;
                        if (!length) trips = "global::System.Math.Max(0L, " + trips + ")";
                        else trips = Factor(trips);
                    }
                    at += e.Operands;
                    string per = Nested(depth + 1, e.PerTrip);
                    terms.Add(per == "1" ? trips : trips + " * " + Factor(per));
                }
                return terms.Count == 0 ? "0" : string.Join(" + ", terms);
            }
            string outer = own == 0 ? room.Offset.ToString(CultureInfo.InvariantCulture) + "L" : Trips(args, 0, own, room.Added, room.Offset);
            outer = Factor(outer);
            string inner = Nested(1, room.PerTrip);
            // One iteration's room (a loop that pops what it pushes): the nest's room as it is.
            if (own == 0 && room.Offset == 1) return "checked(" + inner + ")";
            return "checked(" + outer + " * " + Factor(inner) + ")";
        }

        /// <summary>A sum as a factor: in parentheses when it has a + outside any.</summary>
        private static string Factor(string sum)
        {
            int depth = 0;
            for (int i = 0; i < sum.Length; i++)
            {
                if (sum[i] == '(') depth++;
                else if (sum[i] == ')') depth--;
                else if (depth == 0 && i + 2 < sum.Length && sum[i] == ' ' && (sum[i + 1] == '+' || sum[i + 1] == '-') && sum[i + 2] == ' ') return "(" + sum + ")";
            }
            return sum;
        }

        /// <summary><c>(long)n - i + 1</c>: a loop's count from <paramref name="count"/> operands from <paramref name="from"/>, the first <paramref name="added"/> added.</summary>
        private string Trips(EquatableArray<int> args, int from, int count, int added, long k)
        {
            string text;
            if (added > 0) text = "(long)" + Expr(args[from], Primary);
            else text = (k == 0 ? "-(long)" : k.ToString(CultureInfo.InvariantCulture) + " - (long)") + Expr(args[from], Primary);
            for (int i = 1; i < count; i++) text += (i < added ? " + " : " - ") + Expr(args[from + i], Additive + 1);
            if (added > 0 && k != 0) text += (k > 0 ? " + " : " - ") + System.Math.Abs(k).ToString(CultureInfo.InvariantCulture);
            return text;
        }

        // ---- statements ----

        private void Block(EquatableArray<Instr> body, string? returnName)
        {
            bool top = _clears != null && _atTop;
            _atTop = false;
            for (int index = 0; index < body.Count; index++)
            {
                var instr = body[index];
                _cancellationToken.ThrowIfCancellationRequested();
                if (top && index == _clearsAt) foreach (var line in _clears!) _w.Line(line);
                if (instr.Op == Op.If)
                {
                    if (instr.Results.Count == 1 && _inline.Contains(instr.Results[0].Id)) continue;
                    If(instr);
                    continue;
                }
                if (instr.Op == Op.While)
                {
                    var opened = OpenCursors(instr);
                    While(instr);
                    foreach (var tape in opened)
                    {
                        _w.Line(_tapes[tape] + ".Close(" + _cursors[tape].Count + ");");
                        _cursors.Remove(tape);
                    }
                    continue;
                }
                if (instr.Op == Op.Push)
                {
                    if (_cursors.TryGetValue(instr.Tape.Of.Display, out var cursor))
                    {
                        _w.Line(cursor.Values + "[" + cursor.Count + "++] = " + Expr(instr.Args[0], 0) + ";");
                        continue;
                    }
                    string push = _info.TypeOf(instr.Args[0]).Kind == ValueKind.Sequence ? ".PushAll(" : instr.Tape.Reserved ? ".PushReserved(" : ".Push(";
                    _w.Line(_tapes[instr.Tape.Of.Display] + push + Expr(instr.Args[0], 0) + ");");
                    continue;
                }
                if (instr.Op == Op.Reserve)
                {
                    _w.Line(_tapes[instr.Room.Of.Display] + ".Reserve(" + Room(instr) + ");");
                    continue;
                }
                if (instr.Op == Op.Pop && instr.Args.Count == 1)
                {
                    _w.Line(_tapes[instr.Tape.Of.Display] + ".PopAll(" + Expr(instr.Args[0], 0) + ");");
                    continue;
                }
                if ((instr.Op == Op.Write || instr.Op == Op.AddTo) && _info.TypeOf(OpInfo.StoredValue(instr)).IsVector)
                {
                    // Lanes stored or added from the index on (vector-sums; always in range).
                    // Lanes not known in range check their whole span (vector-maps, where the scalar loop checks its elements).
                    string check = instr.Payload is InRange ? "" : "Checked";
                    _w.Line("global::AutoDiff.Simd." + (instr.Op == Op.Write ? "Store" : "AddTo") + check + "(" + Expr(instr.Args[0], 0) + ", " + Expr(instr.Args[1], 0) + ", " + Expr(OpInfo.StoredValue(instr), 0) + ");");
                    continue;
                }
                if (instr.Op == Op.Write)
                {
                    _w.Line(Element(instr) + " = " + Expr(OpInfo.StoredValue(instr), 0) + ";");
                    continue;
                }
                if (instr.Op == Op.CallJvp)
                {
                    string tangent = Fresh(instr.Name ?? "tangent");
                    _w.Line(CallTarget(instr, out int skip) + "(" + Arguments(instr.Args, skip) + ", out " + instr.Type.Display + " " + tangent + ");");
                    _local[instr.Id] = tangent;
                    _holder[tangent] = instr.Id;
                    _localTypes[tangent] = instr.Type;
                    continue;
                }
                if (instr.Op == Op.CallVjp || instr.Op == Op.CallVjpTangent)
                {
                    CallVjp(instr, returnName);
                    continue;
                }
                if (instr.Op == Op.Effect)
                {
                    _w.Line(instr.Call.Callee + "(" + Arguments(instr.Args, 0) + ");");
                    continue;
                }
                if (instr.Op == Op.Throw)
                {
                    // Nothing after it in its block is reached (and writing it would be CS0162).
                    _w.Line("throw " + Expr(instr.Args[0], 0) + ";");
                    _w.Unreachable();
                    continue;
                }
                if (instr.Op == Op.Guard)
                {
                    _w.Line(instr.Call.Callee + "(" + Arguments(instr.Args, 0) + ");");
                    continue;
                }
                if ((instr.Op == Op.CallStatic || instr.Op == Op.CallMember || instr.Op == Op.CallWithRule) && instr.Type == TypeRef.Void)
                {
                    // A call made for its effect, whose result (if any) the method discards.
                    int start = _expr.Length;
                    Render(instr);
                    _expr.Append(';');
                    Statement(start);
                    continue;
                }
                if (instr.Op == Op.AddTo)
                {
                    _w.Line(Element(instr) + " += " + Expr(OpInfo.StoredValue(instr), 0) + ";");
                    continue;
                }
                if (instr.Op == Op.NewBuffer && (instr.Buffer == BufferKind.Copy || instr.Buffer == BufferKind.Scratch))
                {
                    // A pooled copy of a read-only span, or a zeroed pooled buffer, returned to the pool when the
                    // enclosing block ends.
                    string owner = Fresh((instr.Name ?? "buffer") + "Owner");
                    string copy = Fresh(instr.Name ?? "buffer");
                    string scratch = "global::AutoDiff.Scratch<" + instr.Type.ElementDisplay + ">";
                    string operand = Expr(instr.Args[0], 0);
                    int position = _info.PositionOf(instr.Id);
                    if (!_loops.Any(l => position >= l.Start && position <= l.End) && SimpleName.IsMatch(operand))
                    {
                        // Outside loops a short one lives on the stack: no pool traffic per call.
                        VectorCompanions.SmallBuffer(_w, instr.Type.ElementDisplay, owner, copy, instr.Buffer == BufferKind.Copy ? operand + ".Length" : operand, instr.Buffer == BufferKind.Copy ? operand : null);
                    }
                    else
                    {
                        _w.Line("using var " + owner + " = " + (instr.Buffer == BufferKind.Copy ? scratch + ".CopyOf(" : "new " + scratch + "(") + operand + ");");
                        _w.Line("global::System.Span<" + instr.Type.ElementDisplay + "> " + copy + " = " + owner + ".Span;");
                    }
                    _local[instr.Id] = copy;
                    _holder[copy] = instr.Id;
                    _localTypes[copy] = instr.Type;
                    continue;
                }
                if (_inline.Contains(instr.Id)) continue;
                string hint = instr.Name ?? ReturnedAs(instr.Id, returnName) ?? (instr.Op == Op.NewBuffer ? "buffer" : "tmp");
                Define(instr.Id, hint, instr.Name != null && instr.Op != Op.NewBuffer, _info.PositionOf(instr.Id), instr);
                if (instr.Op == Op.NewBuffer && instr.Buffer == BufferKind.StackallocZeroed) _w.Line(_local[instr.Id] + ".Clear();");
            }
        }

        /// <summary>
        /// A callee's Vjp (or VjpTangent): its arguments and the seed, then its adjoints in parameter order (a ref
        /// local for a scalar's contribution, the adjoint span added into for a sequence); a VjpTangent continues with
        /// a tangent per active parameter and the seed's tangent, then the adjoints' tangents in the same way.
        /// </summary>
        private void CallVjp(Instr instr, string? returnName)
        {
            var contributions = new List<string>();
            // A merged call (merge-pullbacks) returns the callee's value: its first result, a local the call defines.
            var value = instr.Call.ReturnsValue ? instr.Results[0] : null;
            var scalarResults = value != null ? instr.Results.Skip(1).ToList() : instr.Results.ToList();
            foreach (var r in scalarResults)
            {
                string name = Fresh(contributions.Count < scalarResults.Count / (instr.Op == Op.CallVjpTangent ? 2 : 1) ? "contribution" : "contributionDot");
                _w.Line(r.Type.Display + " " + name + " = " + (r.Type.Kind == ValueKind.FloatingParameter ? Literals.Format(0, r.Type) : "0") + ";");
                _local[r.Id] = name;
                _holder[name] = r.Id;
                _localTypes[name] = r.Type;
                contributions.Add("ref " + name);
            }
            var (count, spans) = Analysis.Activity.CallVjpShape(instr);
            var active = Enumerable.Range(0, count).Where(instr.Call.Active.Contains).ToList();
            int scalars = active.Count - spans;
            string target = CallTarget(instr, out int receiver);
            var operands = instr.Args.Skip(receiver).Take(count + 1 - receiver).Select(a => Expr(a, 0)).ToList();
            void Adjoints(int firstSpan, int firstContribution)
            {
                int nextSpan = firstSpan, nextScalar = firstContribution;
                foreach (int i in active)
                {
                    operands.Add(_info.TypeOf(instr.Args[i]).Kind == ValueKind.Sequence ? Expr(instr.Args[nextSpan++], 0) : contributions[nextScalar++]);
                }
            }
            Adjoints(count + 1, 0);
            if (instr.Op == Op.CallVjpTangent)
            {
                int tangents = count + 1 + spans;
                int outputs = instr.Call.Outputs.Count;
                operands.AddRange(instr.Args.Skip(tangents).Take(active.Count + outputs + 1).Select(a => Expr(a, 0)));
                Adjoints(tangents + active.Count + outputs + 1, scalars);
            }
            string call = target + "(" + string.Join(", ", operands) + ")";
            if (value == null)
            {
                _w.Line(call + ";");
                return;
            }
            string local = Fresh(value.Name.Length > 0 ? value.Name : ReturnedAs(value.Id, returnName) ?? "tmp");
            _local[value.Id] = local;
            _holder[local] = value.Id;
            _localTypes[local] = value.Type;
            _w.Line(value.Type.Display + " " + local + " = " + call + ";");
        }

        /// <summary><paramref name="returnName"/> when <paramref name="value"/> is what the function returns first, else null: the name a local of it takes.</summary>
        private string? ReturnedAs(int value, string? returnName) =>
            returnName != null && _function.Results.Count > 0 && _function.Results[0].Value == value ? returnName : null;

        /// <summary>
        /// What a call to a [Differentiable] method or one of its companions is written on: its callee, or for one written
        /// <c>.Name</c> (on another object) its first operand, the receiver, then the name; <paramref name="skip"/> is how many
        /// operands that took.
        /// </summary>
        private string CallTarget(Instr instr, out int skip)
        {
            bool onReceiver = instr.Call.Callee.StartsWith(".", System.StringComparison.Ordinal);
            skip = onReceiver ? 1 : 0;
            return onReceiver ? Expr(instr.Args[0], Primary) + instr.Call.Callee : instr.Call.Callee;
        }

        /// <summary>
        /// Writes a statement giving <paramref name="value"/> a local: a reused one if its variable's previous version is dead.
        /// The value is written as <paramref name="instr"/> computes it, or for an if (<paramref name="instr"/> null) as its choice.
        /// </summary>
        private void Define(int value, string hint, bool mayReuse, int position, Instr? instr)
        {
            var type = _info.TypeOf(value);
            int start = _expr.Length;
            if (mayReuse && instr != null && (instr.Op == Op.Add || instr.Op == Op.Sub) && _local.TryGetValue(instr.Args[0], out var operand)
                && operand != hint && _yieldTarget.TryGetValue(value, out var target) && target == operand && _holder.TryGetValue(operand, out int held) && held == instr.Args[0]
                && instr.Args[1] != held && IsDeadAfter(held, position) && _localTypes[operand] == type)
            {
                // A loop's next counter, i2 + 1 yielded back into i2 (a second loop over i): `i2 += 1`, not a detour through another dead `i`.
                Reassignment(operand, held, instr);
                Statement(start);
                _local[value] = operand;
                _holder[operand] = value;
                return;
            }
            if (mayReuse && _alias.TryGetValue(hint, out var leaf) && _holder.TryGetValue(leaf, out int held2) && IsDeadAfter(held2, position) && _localTypes[leaf] == type) hint = leaf;
            if (mayReuse && _holder.TryGetValue(hint, out int previous) && IsDeadAfter(previous, position) && _localTypes[hint] == type)
            {
                if (instr != null) Reassignment(hint, previous, instr);
                else
                {
                    _expr.Append(hint).Append(" = ");
                    WriteRaw(value, allowLocal: false);
                    _expr.Append(';');
                }
                // A value written as the local that already holds it (a choice that is its own condition) needs no statement.
                if (IsSelfAssignment(start, hint)) _expr.Length = start;
                else Statement(start);
                _local[value] = hint;
                _holder[hint] = value;
                return;
            }
            string name = Fresh(hint);
            _expr.Append(type.Display).Append(' ').Append(name).Append(" = ");
            WriteRaw(value, allowLocal: false);
            _expr.Append(';');
            Statement(start);
            _local[value] = name;
            _holder[name] = value;
            _localTypes[name] = type;
        }

        /// <summary>Whether what is written from <paramref name="start"/> is <c>local = local;</c>.</summary>
        private bool IsSelfAssignment(int start, string local)
        {
            if (_expr.Length - start != 2 * local.Length + 4) return false;
            for (int k = 0; k < local.Length; k++)
            {
                if (_expr[start + k] != local[k] || _expr[start + local.Length + 3 + k] != local[k]) return false;
            }
            return _expr[start + local.Length] == ' ' && _expr[start + local.Length + 1] == '=' && _expr[start + local.Length + 2] == ' ' && _expr[_expr.Length - 1] == ';';
        }

        private void If(Instr instr)
        {
            int position = _info.PositionOf(instr.Id);
            int end = _info.LastPositionOf(instr);
            var then = instr.Regions[0];
            var otherwise = instr.Regions[1];

            if (instr.Results.Count == 1 && IsExpressionIf(instr))
            {
                // A value chosen by a condition: one local, assigned from ?: (or && / ||).
                var r = instr.Results[0];
                Define(r.Id, r.Name.Length > 0 ? r.Name : "tmp", r.Name.Length > 0, end, null);
                return;
            }

            // Result locals: a result reuses its variable's local when the previous version dies here.
            bool neverEnds = NeverEnds(then) && NeverEnds(otherwise);
            var targets = new List<string>();
            foreach (var r in instr.Results)
            {
                string hint = r.Name.Length > 0 ? r.Name : "tmp";
                if (r.Name.Length > 0 && _holder.TryGetValue(hint, out int previous) && IsDeadAfter(previous, end) && _localTypes[hint] == r.Type && !targets.Contains(hint))
                {
                    targets.Add(hint);
                    continue;
                }
                string name = Fresh(hint);
                _localTypes[name] = r.Type;
                _holder[name] = -1;
                // After an if that never ends, nothing reads a result: it is not declared (CS0168).
                if (!neverEnds) _w.Line(r.Type.Display + " " + name + ";");
                targets.Add(name);
            }

            string condition = Expr(instr.Args[0], 0);
            bool thenEmpty = IsEmptyBranch(then, targets);
            bool elseEmpty = IsEmptyBranch(otherwise, targets);
            // The branches are alternatives: each starts from what the locals hold before the if.
            var before = new Dictionary<string, int>(_holder);
            var assigned = new HashSet<string>();
            if (thenEmpty && !elseEmpty)
            {
                _w.Open("if (" + Negate(instr.Args[0]) + ")");
                Branch(otherwise, targets, before, assigned);
                _w.Close();
            }
            else
            {
                _w.Open("if (" + condition + ")");
                Branch(then, targets, before, assigned);
                _w.Close();
                if (!elseEmpty)
                {
                    _w.Open("else");
                    Branch(otherwise, targets, before, assigned);
                    _w.Close();
                }
            }
            if (neverEnds) _w.Unreachable();
            _holder.Clear();
            foreach (var entry in before) _holder[entry.Key] = assigned.Contains(entry.Key) ? -1 : entry.Value;
            for (int i = 0; i < targets.Count; i++)
            {
                _local[instr.Results[i].Id] = targets[i];
                _holder[targets[i]] = instr.Results[i].Id;
            }
        }

        /// <summary>A branch with no statements whose yields are already in their target locals.</summary>
        private bool IsEmptyBranch(Region region, List<string> targets) =>
            region.Body.All(i => _inline.Contains(i.Id) && !i.HasRegions) &&
            region.Yields.Select((y, i) => _local.TryGetValue(y, out var l) && l == targets[i]).All(x => x);

        /// <summary>
        /// Whether C# sees no way past the region's statements (CS0162 after them): it holds a loop written
        /// <c>while (true)</c> without a break (left only by an exception), or an if whose branches both never end.
        /// </summary>
        private bool NeverEnds(Region region) =>
            region.Body.Any(i => OpInfo.Row(i.Op).Terminates || (i.Op == Op.While && Endless(i)) || (i.Op == Op.If && i.Regions.Count == 2 && NeverEnds(i.Regions[0]) && NeverEnds(i.Regions[1])));

        /// <summary>A loop whose condition is the constant true, written <c>while (true)</c> with no break (see <see cref="While"/>).</summary>
        private bool Endless(Instr loop) =>
            loop.Regions[0].Body.All(i => _inline.Contains(i.Id) && !i.HasRegions) && IsBoolConst(loop.Regions[0].Yields[0], true);

        private void Branch(Region region, List<string> targets, Dictionary<string, int> before, HashSet<string> assigned)
        {
            _holder.Clear();
            foreach (var entry in before) _holder[entry.Key] = entry.Value;
            Block(region.Body, null);
            Yield(region, targets);
            foreach (var entry in before)
            {
                if (!_holder.TryGetValue(entry.Key, out int now) || now != entry.Value) assigned.Add(entry.Key);
            }
        }

        /// <summary>After a block, locals declared in it are out of scope; outer ones it assigned hold nothing known.</summary>
        private void Restore(Dictionary<string, int> saved, IEnumerable<string> keep)
        {
            var keepSet = new HashSet<string>(keep);
            foreach (var name in _holder.Keys.ToList())
            {
                if (!saved.ContainsKey(name)) _holder.Remove(name);
                else if (saved[name] != _holder[name] && !keepSet.Contains(name)) _holder[name] = -1;
            }
        }

        /// <summary>Assigns a region's yields to the target locals, as a parallel copy.</summary>
        private void Yield(Region region, IReadOnlyList<string> targets)
        {
            var assignments = new List<(string Target, string Expression, HashSet<string> Reads)>();
            for (int i = 0; i < targets.Count; i++)
            {
                int y = region.Yields[i];
                if (_local.TryGetValue(y, out var l) && l == targets[i] && _holder.TryGetValue(l, out int h) && h == y) continue;
                _reads = new HashSet<string>();
                string expression = Expr(y, 0);
                // `t = t + e` reads better as `t += e`.
                if (_info.TryGetDefinition(y, out var d) && !d.HasRegions && !_local.ContainsKey(y) && (d.Op == Op.Add || d.Op == Op.Sub)
                    && _local.TryGetValue(d.Args[0], out var l0) && l0 == targets[i] && !(_local.TryGetValue(d.Args[1], out var l1) && l1 == targets[i]))
                {
                    _reads = new HashSet<string>();
                    expression = (d.Op == Op.Add ? "+= " : "-= ") + Expr(d.Args[1], Additive + 1);
                }
                if (expression != targets[i]) assignments.Add((targets[i], expression, _reads));
                _reads = null;
            }
            bool hazard = assignments.Select((a, i) => assignments.Skip(i + 1).Any(later => later.Reads.Contains(a.Target))).Any(x => x);
            if (!hazard)
            {
                foreach (var a in assignments) _w.Line(a.Target + (a.Expression.StartsWith("+= ") || a.Expression.StartsWith("-= ") ? " " : " = ") + a.Expression + ";");
                return;
            }
            var temporaries = new List<string>();
            foreach (var a in assignments)
            {
                string temporary = Fresh(a.Target + "Next");
                temporaries.Add(temporary);
                string expression = a.Expression.StartsWith("+= ") || a.Expression.StartsWith("-= ")
                    ? a.Target + " " + a.Expression.Substring(0, 1) + " " + a.Expression.Substring(3)
                    : a.Expression;
                _w.Line(_localTypes[a.Target].Display + " " + temporary + " = " + expression + ";");
            }
            for (int i = 0; i < assignments.Count; i++) _w.Line(assignments[i].Target + " = " + temporaries[i] + ";");
        }

        private void While(Instr instr)
        {
            int start = _info.PositionOf(instr.Id);
            var condition = instr.Regions[0];
            var body = instr.Regions[1];

            // Carried locals: reuse the start value's local when that value dies entering the loop. An integer carried
            // under another name (the zeroing loop `rest` after a loop over `i`) gets its own local: the JIT widens a
            // counter to 64 bits only when no other loop shares its local, and otherwise zero-extends it at every index.
            var carried = new List<string>();
            for (int i = 0; i < instr.Args.Count; i++)
            {
                var p = body.Params[i];
                int init = instr.Args[i];
                string hint = p.Name.Length > 0 ? p.Name : "tmp";
                if (_local.TryGetValue(init, out var initLocal) && _holder.TryGetValue(initLocal, out int h) && h == init
                    && LastUse(init) <= start && _localTypes[initLocal] == p.Type && !carried.Contains(initLocal)
                    && (initLocal == hint || (p.Type.Kind != ValueKind.Integer
                        && !_function.Params.Any(fp => _local.TryGetValue(fp.Id, out var pl) && pl == initLocal))))
                {
                    carried.Add(initLocal);
                    continue;
                }
                string name = Fresh(hint);
                _localTypes[name] = p.Type;
                _w.Line(p.Type.Display + " " + name + " = " + Expr(init, 0) + ";");
                carried.Add(name);
            }
            for (int i = 0; i < carried.Count; i++)
            {
                _local[condition.Params[i].Id] = carried[i];
                _local[body.Params[i].Id] = carried[i];
                _holder[carried[i]] = body.Params[i].Id;
            }

            bool simpleCondition = condition.Body.All(i => _inline.Contains(i.Id) && !i.HasRegions);
            var saved = new Dictionary<string, int>(_holder);
            if (simpleCondition)
            {
                _w.Open("while (" + Expr(condition.Yields[0], 0) + ")");
            }
            else
            {
                _w.Open("while (true)");
                Block(condition.Body, null);
                _w.Line("if (" + Negate(condition.Yields[0]) + ") break;");
            }
            for (int i = 0; i < carried.Count; i++) _holder[carried[i]] = body.Params[i].Id;
            for (int i = 0; i < carried.Count; i++) _yieldTarget[body.Yields[i]] = carried[i];
            Block(body.Body, null);
            Yield(body, carried);
            _w.Close();
            if (Endless(instr)) _w.Unreachable();
            Restore(saved, carried);
            for (int i = 0; i < carried.Count; i++)
            {
                _local[instr.Results[i].Id] = carried[i];
                _holder[carried[i]] = instr.Results[i].Id;
            }
        }

        /// <summary>Writes <c>local += …;</c>, <c>local -= …;</c> or <c>local = …;</c> for <paramref name="instr"/>, whose operand <paramref name="previous"/> the local held.</summary>
        private void Reassignment(string local, int previous, Instr instr)
        {
            if ((instr.Op == Op.Add || instr.Op == Op.Sub) && instr.Args[0] == previous && instr.Args[1] != previous)
            {
                _expr.Append(local).Append(instr.Op == Op.Add ? " += " : " -= ");
                Write(instr.Args[1], Additive + 1);
            }
            else if (instr.Op == Op.Add && instr.Args[1] == previous && instr.Args[0] != previous)
            {
                _expr.Append(local).Append(" += ");
                Write(instr.Args[0], Additive + 1);
            }
            else
            {
                _expr.Append(local).Append(" = ");
                WriteRaw(instr.Id, allowLocal: false);
            }
            _expr.Append(';');
        }

        private string Fresh(string hint)
        {
            // Names are only ever added, so the hint and its numbers up to the last one given for it are still taken: start
            // after that (a local reassigned 2,000 times asks for t2 … t2000 once each, not from t2 every time).
            int n = 2;
            string name = hint;
            if (_lastSuffix.TryGetValue(hint, out int last))
            {
                n = last + 2;
                name = hint + (last + 1).ToString(CultureInfo.InvariantCulture);
            }
            for (; _taken.Contains(name) || Identifiers.Keywords.Contains(name); n++) name = hint + n.ToString(CultureInfo.InvariantCulture);
            if (name != hint) _lastSuffix[hint] = n - 1;
            _taken.Add(name);
            return name;
        }

        /// <summary>The number of the last name <see cref="Fresh"/> made from a hint (t2, t3, …).</summary>
        private readonly Dictionary<string, int> _lastSuffix = new Dictionary<string, int>();

        // ---- expressions ----

        /// <summary>
        /// Where expressions are written: each level of an expression appends its text here, rather than making a string that
        /// the level above copies again, and a statement is copied out once (<see cref="Statement"/>, <see cref="Expr"/>).
        /// </summary>
        private readonly CharBuffer _expr = new CharBuffer();

        /// <summary>Writes what was appended to <see cref="_expr"/> from <paramref name="start"/> as a line, and removes it there.</summary>
        private void Statement(int start)
        {
            _w.Line(_expr, start);
            _expr.Length = start;
        }

        /// <summary>The C# expression for a value, parenthesised if its precedence is below <paramref name="context"/>.</summary>
        private string Expr(int value, int context, bool allowLocal = true)
        {
            int start = _expr.Length;
            Write(value, context, allowLocal);
            string text = _expr.ToString(start, _expr.Length - start);
            _expr.Length = start;
            return text;
        }

        /// <summary>Appends the C# expression for a value, parenthesised if its precedence is below <paramref name="context"/>.</summary>
        private void Write(int value, int context, bool allowLocal = true)
        {
            int start = _expr.Length;
            if (WriteRaw(value, allowLocal) < context) Parenthesize(start);
        }

        /// <summary>Puts what was appended from <paramref name="start"/> in parentheses.</summary>
        private void Parenthesize(int start)
        {
            _expr.Insert(start, '(');
            _expr.Append(')');
        }

        /// <summary>Appends the C# expression for a value; returns its precedence.</summary>
        private int WriteRaw(int value, bool allowLocal = true)
        {
            if (allowLocal && _local.TryGetValue(value, out var name))
            {
                _reads?.Add(name);
                _expr.Append(name);
                return Primary;
            }
            var instr = _info.Definition(value)!;
            return instr.Op == Op.If ? Choice(instr) : Render(instr);
        }

        /// <summary><c>c ? a : b</c>, written as <c>c</c>, <c>!c</c>, <c>c &amp;&amp; b</c> or <c>c || b</c> when that is what it means.</summary>
        private int Choice(Instr instr)
        {
            int a = instr.Regions[0].Yields[0], b = instr.Regions[1].Yields[0];
            bool boolean = instr.Results[0].Type.Kind == ValueKind.Bool;
            if (boolean && IsBoolConst(a, true) && IsBoolConst(b, false)) return WriteRaw(instr.Args[0]);
            if (boolean && IsBoolConst(a, false) && IsBoolConst(b, true))
            {
                WriteNegation(instr.Args[0], Unary);
                return Unary;
            }
            if (boolean && IsBoolConst(b, false)) return Binary(instr.Args[0], a, " && ", AndAlso);
            if (boolean && IsBoolConst(a, true)) return Binary(instr.Args[0], b, " || ", OrElse);
            Write(instr.Args[0], Conditional + 1);
            _expr.Append(" ? ");
            Write(a, Conditional + 1);
            _expr.Append(" : ");
            Write(b, Conditional);
            return Conditional;
        }

        private bool IsBoolConst(int value, bool expected) =>
            _info.TryGetDefinition(value, out var d) && d.Op == Op.Const && d.Type.Kind == ValueKind.Bool && (d.Constant.Value != 0) == expected;

        /// <summary>¬condition, for a context of precedence <paramref name="context"/> (0: a statement's own condition).</summary>
        private string Negate(int condition, int context = 0)
        {
            int start = _expr.Length;
            WriteNegation(condition, context);
            string text = _expr.ToString(start, _expr.Length - start);
            _expr.Length = start;
            return text;
        }

        private void WriteNegation(int condition, int context)
        {
            if (_info.TryGetDefinition(condition, out var d) && d.Op == Op.Not && !_local.ContainsKey(condition))
            {
                Write(d.Args[0], context);
                return;
            }
            _expr.Append('!');
            Write(condition, Primary);
        }

        /// <summary>Appends the C# expression <paramref name="instr"/> computes; returns its precedence.</summary>
        private int Render(Instr instr)
        {
            var a = instr.Args;
            if (IsComparison(instr.Op) && a[0] == a[1] && SelfComparison(instr) is int selfPrecedence) return selfPrecedence;
            switch (instr.Op)
            {
                case Op.Literal:
                    _expr.Append(instr.Literal.Text);
                    return Primary;
                case Op.Const:
                    string literal = instr.Constant.String is string text ? Literals.String(text) : Literals.Format(instr.Constant.Value, instr.Type, instr.Constant.Digits);
                    _expr.Append(literal);
                    return literal.Length > 0 && literal[0] == '-' ? Unary : Primary;
                case Op.This:
                    _expr.Append("this");
                    return Primary;
                case Op.Neg:
                {
                    _expr.Append('-');
                    int start = _expr.Length;
                    Write(a[0], Unary);
                    if (_expr[start] == '-') Parenthesize(start);
                    return Unary;
                }
                case Op.Not:
                    _expr.Append('!');
                    Write(a[0], Unary);
                    return Unary;
                case Op.Add: return Binary(a[0], a[1], " + ", Additive);
                case Op.Sub: return Binary(a[0], a[1], " - ", Additive);
                case Op.Mul: return Binary(a[0], a[1], " * ", Multiplicative);
                case Op.Div: return Binary(a[0], a[1], " / ", Multiplicative);
                case Op.Rem: return Binary(a[0], a[1], " % ", Multiplicative);
                case Op.Lt: return Binary(a[0], a[1], " < ", Relational);
                case Op.Le: return Binary(a[0], a[1], " <= ", Relational);
                case Op.Gt: return Binary(a[0], a[1], " > ", Relational);
                case Op.Ge: return Binary(a[0], a[1], " >= ", Relational);
                case Op.Eq: return Binary(a[0], a[1], " == ", Equality);
                case Op.Ne: return Binary(a[0], a[1], " != ", Equality);
                case Op.And: return Binary(a[0], a[1], " && ", AndAlso);
                case Op.Or: return Binary(a[0], a[1], " || ", OrElse);
                case Op.BitNot:
                    _expr.Append('~');
                    Write(a[0], Unary);
                    return Unary;
                case Op.BitAnd: return Bitwise(instr, " & ", BitAnd);
                case Op.BitOr: return Bitwise(instr, " | ", BitOr);
                case Op.BitXor: return Bitwise(instr, " ^ ", BitXor);
                case Op.ShiftLeft: return Bitwise(instr, " << ", Shift);
                case Op.ShiftRight: return Bitwise(instr, " >> ", Shift);
                case Op.UnsignedShiftRight: return Bitwise(instr, " >>> ", Shift);
                case Op.Select:
                    Write(a[0], Conditional + 1);
                    _expr.Append(" ? ");
                    Write(a[1], Conditional + 1);
                    _expr.Append(" : ");
                    Write(a[2], Conditional);
                    return Conditional;
                case Op.Convert when instr.Type.Kind == ValueKind.FloatingParameter || _info.TypeOf(a[0]).Kind == ValueKind.FloatingParameter:
                    // Generic math has no casts: T.CreateChecked(n), double.CreateChecked(t) (exact, or rounded as a cast rounds).
                    _expr.Append(instr.Type.Display).Append(".CreateChecked(");
                    Write(a[0], 0);
                    _expr.Append(')');
                    return Primary;
                case Op.Convert:
                    _expr.Append('(').Append(instr.Type.Display).Append(')');
                    Write(a[0], Primary);
                    return Unary;
                case Op.Intrinsic when Derivatives.RuleTable.FormatOf(instr.Fn) is string format:
                {
                    // A System.Numerics function: the library's own method, on values made from the leaves.
                    var operands = new object[a.Count];
                    for (int i = 0; i < a.Count; i++) operands[i] = Expr(a[i], 0);
                    _expr.Append(string.Format(System.Globalization.CultureInfo.InvariantCulture, format, operands));
                    return Primary;
                }
                case Op.Intrinsic:
                    _expr.Append(Derivatives.RuleTable.DeclaringClass(instr.Fn, _info.TypeOf(a[0]))).Append('.').Append(instr.Fn.ToString());
                    return Call(a, 0);
                case Op.LoadStatic:
                    _expr.Append(instr.Member.Name);
                    return Primary;
                case Op.LoadMember:
                    Write(a[0], Primary);
                    _expr.Append('.').Append(instr.Member.Name);
                    return Primary;
                case Op.CallStatic:
                    _expr.Append(instr.Call.Callee);
                    return Call(a, 0);
                case Op.CallDifferentiable:
                {
                    string target = CallTarget(instr, out int skip);
                    _expr.Append(target);
                    return Call(a, skip);
                }
                case Op.CallWithRule:
                {
                    string target = instr.Rule.Target;
                    if (!target.StartsWith(".", System.StringComparison.Ordinal))
                    {
                        _expr.Append(target);
                        return Call(a, 0);
                    }
                    Write(a[0], Primary);
                    _expr.Append(target);
                    return Call(a, 1);
                }
                case Op.CallMember:
                    Write(a[0], Primary);
                    _expr.Append('.').Append(instr.Call.Callee);
                    return Call(a, 1);
                case Op.Pop:
                    if (_cursors.TryGetValue(instr.Tape.Of.Display, out var cursor))
                    {
                        _expr.Append(cursor.Values).Append("[--").Append(cursor.Count).Append(']');
                        return Primary;
                    }
                    _expr.Append(_tapes[instr.Tape.Of.Display]).Append(".Pop()");
                    return Primary;
                case Op.Length when a.Count == 2:
                    // A rectangular array's a.GetLength(d); a jagged array's row length a[i].Length.
                    Write(a[0], Primary);
                    if (_info.TypeOf(a[0]).Jagged)
                    {
                        _expr.Append('[');
                        Write(a[1], 0);
                        _expr.Append("].Length");
                    }
                    else
                    {
                        _expr.Append(".GetLength(");
                        Write(a[1], 0);
                        _expr.Append(')');
                    }
                    return Primary;
                case Op.Length:
                    Write(a[0], Primary);
                    _expr.Append(".Length");
                    return Primary;
                case Op.Element when instr.Type.IsVector:
                case Op.Read when instr.Type.IsVector:
                    // Lanes from the index on (vector-sums; always in range).
                    _expr.Append(instr.Payload is InRange ? "global::AutoDiff.Simd.Load(" : "global::AutoDiff.Simd.LoadChecked(");
                    Write(a[0], 0);
                    _expr.Append(", ");
                    Write(a[1], 0);
                    _expr.Append(')');
                    return Primary;
                case Op.Element:
                case Op.Read:
                    WriteElement(instr);
                    return Primary;
                case Op.Splat:
                    _expr.Append("new ").Append(instr.Type.Display).Append('(');
                    Write(a[0], 0);
                    _expr.Append(')');
                    return Primary;
                case Op.SumLanes:
                    _expr.Append("global::AutoDiff.Simd.Sum(");
                    Write(a[0], 0);
                    _expr.Append(')');
                    return Primary;
                case Op.NewBuffer:
                    _expr.Append(instr.Buffer == BufferKind.Stackalloc || instr.Buffer == BufferKind.StackallocZeroed ? "stackalloc " : "new ").Append(instr.Type.ElementDisplay).Append('[');
                    for (int i = 0; i < a.Count; i++)
                    {
                        if (i > 0) _expr.Append(", ");
                        Write(a[i], 0);
                    }
                    _expr.Append(']');
                    return Primary;
                case Op.Table:
                    _expr.Append(Table(instr));
                    return Primary;
                default:
                    throw new System.InvalidOperationException("no C# form for " + instr.Op);
            }
        }

        /// <summary>The element an access reads or writes, as C# writes it (<see cref="WriteElement"/>).</summary>
        private string Element(Instr instr)
        {
            int start = _expr.Length;
            WriteElement(instr);
            string text = _expr.ToString(start, _expr.Length - start);
            _expr.Length = start;
            return text;
        }

        /// <summary>
        /// Appends the element an access reads or writes: <c>a[i]</c>, <c>a[i, j]</c>, <c>a[i][j]</c>; one whose index is known to
        /// be in range (<see cref="InRange"/>, the reverse sweep's) <c>global::AutoDiff.Unchecked.At(a, i)</c>, a reference without
        /// the bounds check.
        /// </summary>
        private void WriteElement(Instr instr)
        {
            if (instr.Payload is InRange)
            {
                _expr.Append("global::AutoDiff.Unchecked.At(");
                Write(instr.Args[0], 0);
                _expr.Append(", ");
                Write(instr.Args[1], 0);
                _expr.Append(')');
                return;
            }
            Write(instr.Args[0], Primary);
            WriteIndex(instr);
        }

        /// <summary>Appends the indices of an element access (<see cref="Index"/>).</summary>
        private void WriteIndex(Instr instr)
        {
            bool jagged = _info.TypeOf(instr.Args[0]).Jagged;
            _expr.Append('[');
            bool first = true;
            foreach (int i in OpInfo.Indices(instr))
            {
                if (!first) _expr.Append(jagged ? "][" : ", ");
                first = false;
                Write(i, 0);
            }
            _expr.Append(']');
        }

        /// <summary>
        /// A read-only span of a constant array, the compiler's static data: nothing is allocated. (A method of its own: the
        /// lambda's closure would otherwise be allocated for every expression <see cref="Render"/> writes.)
        /// </summary>
        private static string Table(Instr instr)
        {
            var element = instr.Type.ElementType;
            string elements = string.Join(", ", ((ConstTable)instr.Payload!).Values(element).Select(v => Literals.Format(v.Value, element, v.Digits)));
            return "((" + instr.Type.Display + ")new " + element.Display + "[] { " + elements + " })";
        }

        private static bool IsComparison(Op op) => OpInfo.Row(op).Rule == TypeRule.Compare;

        /// <summary>
        /// A value compared with itself, without the comparison the compiler warns about (CS1718): a floating value
        /// equals itself unless it is NaN, is never less or greater than itself; an integer or bool always equals itself.
        /// Null for other types, whose operators the generator does not know.
        /// </summary>
        private int? SelfComparison(Instr instr)
        {
            var type = _info.TypeOf(instr.Args[0]);
            bool reflexive = instr.Op == Op.Eq || instr.Op == Op.Le || instr.Op == Op.Ge;
            if (type.Kind == ValueKind.Integer || type.Kind == ValueKind.Bool || ((instr.Op == Op.Lt || instr.Op == Op.Gt) && type.IsFloating))
            {
                _expr.Append(reflexive ? "true" : "false");
                return Primary;
            }
            if (!type.IsFloating) return null;
            if (instr.Op != Op.Ne) _expr.Append('!');
            _expr.Append(type.Kind == ValueKind.Float ? "float" : type.Kind == ValueKind.FloatingParameter ? type.Display : "double").Append(".IsNaN(");
            Write(instr.Args[0], 0);
            _expr.Append(')');
            return instr.Op == Op.Ne ? Primary : Unary;
        }

        /// <summary>
        /// A bitwise or shift operator, its operands parenthesised unless unary or primary (<c>(k &amp; 7) | (k &lt;&lt; 2)</c>,
        /// as people write them, not as precedence allows), except a left operand of the same operator (<c>a | b | c</c>).
        /// </summary>
        private int Bitwise(Instr instr, string op, int precedence)
        {
            var a = instr.Args;
            bool chain = _info.TryGetDefinition(a[0], out var left) && left.Op == instr.Op && instr.Op != Op.ShiftLeft && instr.Op != Op.ShiftRight && instr.Op != Op.UnsignedShiftRight;
            Write(a[0], chain ? precedence : Unary);
            _expr.Append(op);
            Write(a[1], Unary);
            return precedence;
        }

        private int Binary(int left, int right, string op, int precedence)
        {
            Write(left, precedence);
            _expr.Append(op);
            Write(right, precedence + 1);
            return precedence;
        }

        /// <summary>Appends <c>(arguments)</c>: the operands of <paramref name="a"/> after the first <paramref name="skip"/>; a call is primary.</summary>
        private int Call(EquatableArray<int> a, int skip)
        {
            _expr.Append('(');
            for (int i = skip; i < a.Count; i++)
            {
                if (i > skip) _expr.Append(", ");
                Write(a[i], 0);
            }
            _expr.Append(')');
            return Primary;
        }

        private string Arguments(EquatableArray<int> a, int skip)
        {
            int start = _expr.Length;
            Call(a, skip);
            string text = _expr.ToString(start + 1, _expr.Length - start - 2);
            _expr.Length = start;
            return text;
        }

    }
}
