using System;
using System.Collections.Generic;
using System.Linq;

namespace AutoDiff.Generator.Ir
{
    /// <summary>
    /// Appends instructions to a function under construction. Arithmetic helpers fold constants and
    /// drop identities (x·1, x+0, −(−x)) as they build, so derivative code built from the rule table
    /// does not carry multiplications by one seeds.
    /// </summary>
    public sealed class IrBuilder
    {
        /// <summary>An open block: the function body or a region under construction.</summary>
        private sealed class Scope
        {
            public readonly List<Instr> Body = new List<Instr>();
            public readonly List<IrParam> Params = new List<IrParam>();
            /// <summary>The pure values built in this block, found by their definition (<see cref="ValueTable"/>).</summary>
            public readonly ValueTable Pure = new ValueTable();
            /// <summary>Values said by <see cref="Remember"/> to be a pure operation other than their own definition; looked up before <see cref="Pure"/>.</summary>
            public Dictionary<PureKey, int>? Remembered;
            /// <summary>Every value something in this block reads, its nested regions and their yields included (<see cref="IsRead"/>).</summary>
            public readonly ReadSet Reads;

            public Scope(bool root) => Reads = new ReadSet(root);
        }

        public static readonly TypeRef Void = TypeRef.Void;

        private readonly List<IrParam> _params = new List<IrParam>();
        private readonly List<Scope> _scopes = new List<Scope> { new Scope(root: true) };
        private readonly IdMap<Instr> _defs = new IdMap<Instr>();
        /// <summary>The block each instruction was appended to, and where in it (blocks only grow, so that stays true).</summary>
        private readonly IdMap<(List<Instr> Body, int Index)> _home = new IdMap<(List<Instr>, int)>();
        /// <summary>The types of parameters (the function's and its regions'); every other value's type is its definition's.</summary>
        private readonly Dictionary<int, TypeRef> _paramTypes = new Dictionary<int, TypeRef>();
        private int _next;
        private readonly HashSet<int> _inRange = new HashSet<int>();

        public IReadOnlyList<Instr> Body => _scopes[0].Body;

        /// <summary>
        /// While set, every element access built is noted in <see cref="InRangeAccesses"/>: reverse mode sets it while it
        /// builds its reverse sweep, whose accesses all repeat ones the forward sweep made (<see cref="InRange"/>).
        /// </summary>
        public bool MarkInRange { get; set; }

        /// <summary>The element accesses built while <see cref="MarkInRange"/> was set.</summary>
        public IReadOnlyCollection<int> InRangeAccesses => _inRange;

        /// <summary>The id the next new value gets; values at or above a mark taken earlier are new since then.</summary>
        public int Mark => _next;

        /// <summary>How deeply regions are nested where instructions are being added (0: the function body).</summary>
        public int Depth => _scopes.Count - 1;

        public TypeRef TypeOf(int value) => TryTypeOf(value, out var type) ? type : throw new KeyNotFoundException("No value " + value + ".");

        private bool TryTypeOf(int value, out TypeRef type)
        {
            if (_defs.TryGetValue(value, out var instr))
            {
                if (instr.Id == value)
                {
                    type = instr.Type;
                    return true;
                }
                foreach (var r in instr.Results)
                {
                    if (r.Id != value) continue;
                    type = r.Type;
                    return true;
                }
            }
            return _paramTypes.TryGetValue(value, out type);
        }

        public Instr? Definition(int value) => _defs.TryGetValue(value, out var instr) ? instr : null;

        public int Param(string name, TypeRef type)
        {
            int id = _next++;
            _params.Add(new IrParam(id, name, type));
            _paramTypes[id] = type;
            return id;
        }

        public int Emit(Op op, TypeRef type, IReadOnlyList<int> args, string? name = null, Payload? payload = null)
        {
            // Value numbering: a pure operation on the same operands is the same value. This is what
            // merges the two equal contributions reverse mode builds for x·x, or a source's repeated
            // subexpression. Tape operations and calls with effects are never merged (OpInfo).
            bool pure = OpInfo.IsPure(op, payload) && (!OpInfo.Row(op).ReadsElements || !AnyReadsMutable(args));
            int hash = 0;
            if (pure)
            {
                hash = ValueTable.Hash(op, type, args, payload);
                if (Known(hash, op, type, args, payload) is int existing) return existing;
            }
            int id = _next++;
            var scope = op == Op.Const ? _scopes[0] : _scopes[_scopes.Count - 1];
            var operands = args is int[] array ? Adopt(array) : args.ToEquatableArray();
            Append(scope, new Instr(id, op, type, operands, name, payload), id);
            if (MarkInRange && payload == null && OpInfo.IndexesSequence(op)) _inRange.Add(id);
            if (pure) scope.Pure.Add(hash, id);
            return id;
        }

        /// <summary>The value of a pure operation already built on these operands in an open region, if any.</summary>
        private int? Existing(Op op, TypeRef type, int x, int y)
        {
            var args = new Pair(x, y);
            return Known(ValueTable.Hash(op, type, args, null), op, type, args, null);
        }

        /// <summary>
        /// Appends to the open block <paramref name="depth"/> levels in (0: the function body) rather than the innermost: the
        /// operation comes before the regions still open inside that block, so it runs once ahead of them (a buffer made
        /// before the loop whose body creates it). Its operands must be defined there.
        /// </summary>
        public int EmitIn(int depth, Op op, TypeRef type, IReadOnlyList<int> args, string? name = null, Payload? payload = null)
        {
            bool pure = OpInfo.IsPure(op, payload) && (!OpInfo.Row(op).ReadsElements || !AnyReadsMutable(args));
            int hash = pure ? ValueTable.Hash(op, type, args, payload) : 0;
            if (pure && Known(hash, op, type, args, payload, depth) is int existing) return existing;
            int id = _next++;
            var scope = _scopes[op == Op.Const ? 0 : depth];
            Append(scope, new Instr(id, op, type, args.ToEquatableArray(), name, payload), id);
            if (MarkInRange && payload == null && OpInfo.IndexesSequence(op)) _inRange.Add(id);
            if (pure) scope.Pure.Add(hash, id);
            return id;
        }

        /// <summary>Whether <paramref name="value"/> is a parameter of the function or defined in its body, outside every region.</summary>
        public bool IsInFunctionBody(int value) =>
            _defs.TryGetValue(value, out var instr) ? _home.TryGetValue(instr.Id, out var home) && ReferenceEquals(home.Body, _scopes[0].Body) : _params.Any(p => p.Id == value);

        /// <summary>
        /// <paramref name="array"/> as the operands of an instruction, without a copy (an ImmutableArray is a wrapper of
        /// its array): every caller passes an array it made for the call and never writes again (<c>new[] { x, y }</c>, the
        /// renamed operands of a copy). Copying them doubled the operand arrays a long body allocates.
        /// </summary>
        private static EquatableArray<int> Adopt(int[] array) =>
            new EquatableArray<int>(System.Runtime.CompilerServices.Unsafe.As<int[], System.Collections.Immutable.ImmutableArray<int>>(ref array));

        /// <summary>The value numbered as this operation in the innermost open region (up to <paramref name="top"/>) that has one.</summary>
        private int? Known<TArgs>(int hash, Op op, TypeRef type, TArgs args, Payload? payload, int top = int.MaxValue) where TArgs : IReadOnlyList<int>
        {
            for (int s = Math.Min(top, _scopes.Count - 1); s >= 0; s--)
            {
                var scope = _scopes[s];
                if (scope.Remembered != null && scope.Remembered.TryGetValue(new PureKey(op, type, args, payload), out int remembered)) return remembered;
                int found = scope.Pure.Find(hash, _defs, op, type, args, payload);
                if (found >= 0) return found;
            }
            return null;
        }

        /// <summary>Two operands, as a list that is not allocated.</summary>
        private readonly struct Pair : IReadOnlyList<int>
        {
            private readonly int _x, _y;

            public Pair(int x, int y)
            {
                _x = x;
                _y = y;
            }

            public int Count => 2;

            public int this[int index] => index == 0 ? _x : _y;

            public IEnumerator<int> GetEnumerator()
            {
                yield return _x;
                yield return _y;
            }

            System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
        }

        /// <summary>
        /// Value numbering's table: an open-addressing hash set of value ids, each compared by its definition (operation,
        /// type, operands, payload), so no key is stored. A long body's builder holds one entry per pure value;
        /// a dictionary keyed by the operation would allocate ten times the memory.
        /// </summary>
        private sealed class ValueTable
        {
            // Slot s is pages[s >> PageBits][2 * (s & PageMask)] (the id + 1; 0 is empty) and the next int (its hash): pages of
            // 2,048 slots, so that a long body's table is never an array on the large object heap.
            private const int PageBits = 11;
            private const int PageSize = 1 << PageBits;
            private const int PageMask = PageSize - 1;

            private int[][] _pages = NewPages(8);
            private int _size = 8;
            private int _count;

            public static int Hash<TArgs>(Op op, TypeRef type, TArgs args, Payload? payload) where TArgs : IReadOnlyList<int>
            {
                unchecked
                {
                    int hash = (int)op;
                    for (int i = 0; i < args.Count; i++) hash = hash * 31 + args[i];
                    // The kind only: hashing the type's names costs more than the rare equal operation of another type.
                    hash = hash * 31 + (int)type.Kind;
                    return hash * 31 + (payload?.GetHashCode() ?? 0);
                }
            }

            public int Find<TArgs>(int hash, IdMap<Instr> defs, Op op, TypeRef type, TArgs args, Payload? payload) where TArgs : IReadOnlyList<int>
            {
                int mask = _size - 1;
                for (int slot = hash & mask; ; slot = (slot + 1) & mask)
                {
                    var page = _pages[slot >> PageBits];
                    int at = 2 * (slot & PageMask);
                    int entry = page[at];
                    if (entry == 0) return -1;
                    if (page[at + 1] != hash) continue;
                    var d = defs[entry - 1];
                    if (d.Op == op && Equals(d.Payload, payload) && d.Type.Equals(type) && SameArgs(d.Args, args))
                        return entry - 1;
                }
            }

            private static bool SameArgs<TArgs>(EquatableArray<int> defined, TArgs args) where TArgs : IReadOnlyList<int>
            {
                if (defined.Count != args.Count) return false;
                for (int i = 0; i < args.Count; i++)
                {
                    if (defined[i] != args[i]) return false;
                }
                return true;
            }

            public void Add(int hash, int id)
            {
                if (2 * (_count + 1) > _size) Grow();
                Insert(_pages, _size, hash, id + 1);
                _count++;
            }

            private static int[][] NewPages(int size)
            {
                int perPage = Math.Min(size, PageSize);
                var pages = new int[size / perPage][];
                for (int i = 0; i < pages.Length; i++) pages[i] = new int[2 * perPage];
                return pages;
            }

            private static void Insert(int[][] pages, int size, int hash, int entry)
            {
                int mask = size - 1;
                for (int slot = hash & mask; ; slot = (slot + 1) & mask)
                {
                    var page = pages[slot >> PageBits];
                    int at = 2 * (slot & PageMask);
                    if (page[at] != 0) continue;
                    page[at] = entry;
                    page[at + 1] = hash;
                    return;
                }
            }

            private void Grow()
            {
                int size = 2 * _size;
                var pages = NewPages(size);
                foreach (var page in _pages)
                {
                    for (int at = 0; at < page.Length; at += 2)
                    {
                        if (page[at] != 0) Insert(pages, size, page[at + 1], page[at]);
                    }
                }
                _pages = pages;
                _size = size;
            }
        }

        /// <summary>
        /// The values a block reads: for the function body (which may read every value) a bit per value id, for a
        /// region (which reads a few) a hash set.
        /// </summary>
        private sealed class ReadSet
        {
            private readonly HashSet<int>? _set;
            private ulong[] _bits = Array.Empty<ulong>();

            public ReadSet(bool dense)
            {
                if (!dense) _set = new HashSet<int>();
            }

            public void Add(int value)
            {
                if (_set != null)
                {
                    _set.Add(value);
                    return;
                }
                if (value < 0) return;
                int word = value >> 6;
                if (word >= _bits.Length) Array.Resize(ref _bits, Math.Max(word + 1, 2 * _bits.Length));
                _bits[word] |= 1UL << (value & 63);
            }

            public bool Contains(int value)
            {
                if (_set != null) return _set.Contains(value);
                int word = value >> 6;
                return value >= 0 && word < _bits.Length && (_bits[word] & (1UL << (value & 63))) != 0;
            }
        }

        /// <summary>Whether anything built so far in the innermost open region (nested regions included) reads <paramref name="value"/>.</summary>
        public bool IsRead(int value) => _scopes[_scopes.Count - 1].Reads.Contains(value);

        /// <summary>
        /// Tells value numbering that <paramref name="value"/> (say, a recorded sin x popped from a tape) is the
        /// pure operation <paramref name="op"/> on <paramref name="args"/>, so building that operation again in the
        /// current region (the partial of cos x) returns it instead of computing it again.
        /// </summary>
        public void Remember(Op op, TypeRef type, IReadOnlyList<int> args, int value, Payload? payload = null)
        {
            if (!OpInfo.IsPure(op, payload) || AnyReadsMutable(args)) return;
            var scope = _scopes[_scopes.Count - 1];
            (scope.Remembered ??= new Dictionary<PureKey, int>())[new PureKey(op, type, args, payload)] = value;
        }

        /// <summary>
        /// What value numbering compares: the operation, its type, operands and payload. Up to two operands are
        /// held as numbers, more as their list in a string (ids are never negative, so the encodings do not overlap).
        /// </summary>
        private readonly struct PureKey : IEquatable<PureKey>
        {
            private readonly Op _op;
            private readonly TypeRef _type;
            private readonly int _first, _second;
            private readonly string? _more;
            private readonly Payload? _payload;

            public PureKey(Op op, TypeRef type, IReadOnlyList<int> args, Payload? payload)
            {
                _op = op;
                _type = type;
                _first = args.Count > 0 ? args[0] : -1;
                _second = args.Count > 1 ? args[1] : -1;
                _more = args.Count > 2 ? string.Join(",", args) : null;
                _payload = payload;
            }

            public bool Equals(PureKey other) =>
                _op == other._op && _first == other._first && _second == other._second && Equals(_payload, other._payload)
                && _type.Equals(other._type) && string.Equals(_more, other._more, StringComparison.Ordinal);

            public override bool Equals(object? obj) => obj is PureKey other && Equals(other);

            public override int GetHashCode()
            {
                unchecked
                {
                    int hash = ((int)_op * 31 + _first) * 31 + _second;
                    hash = hash * 31 + _type.GetHashCode();
                    hash = hash * 31 + (_more?.GetHashCode() ?? 0);
                    return hash * 31 + (_payload?.GetHashCode() ?? 0);
                }
            }
        }

        private bool AnyReadsMutable(IReadOnlyList<int> args)
        {
            for (int i = 0; i < args.Count; i++)
            {
                if (ReadsMutable(args[i])) return true;
            }
            return false;
        }

        /// <summary>
        /// Whether an operand is a sequence whose elements may change (a local buffer, an output span): a
        /// call or reduction over it is not the same value after a write, so it is never merged.
        /// </summary>
        private bool ReadsMutable(int value) =>
            TryTypeOf(value, out var type) && IsMutableSequence(type, _defs.TryGetValue(value, out var def) ? def : null);

        /// <summary>A local buffer or a writable span: a sequence whose elements a write may change.</summary>
        public static bool IsMutableSequence(TypeRef type, Instr? definition) =>
            type.Kind == ValueKind.Sequence && (definition?.Op == Op.NewBuffer || type.Container == Container.Span);

        private void Append(Scope scope, Instr instr, int id)
        {
            _home[id] = (scope.Body, scope.Body.Count);
            scope.Body.Add(instr);
            _defs[id] = instr;
            foreach (int arg in instr.Args) scope.Reads.Add(arg);
            foreach (var region in instr.Regions) AddReads(region, scope.Reads);
        }

        private static void AddReads(Region region, ReadSet reads)
        {
            foreach (int y in region.Yields) reads.Add(y);
            foreach (var instr in region.Body)
            {
                foreach (int arg in instr.Args) reads.Add(arg);
                foreach (var inner in instr.Regions) AddReads(inner, reads);
            }
        }

        /// <summary>Opens a region; its parameters get fresh ids, returned in order.</summary>
        public int[] BeginRegion(IReadOnlyList<(string Name, TypeRef Type)> parameters)
        {
            var scope = new Scope(root: false);
            var ids = new int[parameters.Count];
            for (int i = 0; i < parameters.Count; i++)
            {
                ids[i] = _next++;
                scope.Params.Add(new IrParam(ids[i], parameters[i].Name, parameters[i].Type));
                _paramTypes[ids[i]] = parameters[i].Type;
            }
            _scopes.Add(scope);
            return ids;
        }

        /// <summary>Closes the innermost region, which yields <paramref name="yields"/>.</summary>
        public Region EndRegion(IReadOnlyList<int> yields)
        {
            var scope = _scopes[_scopes.Count - 1];
            _scopes.RemoveAt(_scopes.Count - 1);
            return new Region(scope.Params.ToEquatableArray(), scope.Body.ToEquatableArray(), yields.ToEquatableArray());
        }

        /// <summary>Appends an if, a loop or another operation with several results (with no regions); its results get fresh ids, returned in order.</summary>
        public int[] EmitStructured(Op op, IReadOnlyList<int> args, IReadOnlyList<Region> regions, IReadOnlyList<(string? Name, TypeRef Type)> results, Payload? payload = null)
        {
            int id = _next++;
            var outputs = new IrParam[results.Count];
            for (int i = 0; i < results.Count; i++)
            {
                int r = _next++;
                outputs[i] = new IrParam(r, results[i].Name ?? "", results[i].Type);
            }
            var instr = new Instr(id, op, Void, args.ToEquatableArray(), Payload: payload, Regions: regions.ToEquatableArray(), Results: outputs.ToEquatableArray());
            Append(_scopes[_scopes.Count - 1], instr, id);
            var ids = new int[outputs.Length];
            for (int i = 0; i < outputs.Length; i++)
            {
                _defs[outputs[i].Id] = instr;
                ids[i] = outputs[i].Id;
            }
            return ids;
        }

        /// <summary>
        /// Gives an unnamed instruction the name of the source variable it is assigned to. With a
        /// <paramref name="since"/> mark, only a value created after the mark is named: folding may
        /// hand back an existing value, and that one must keep its own name.
        /// </summary>
        public void NameValue(int value, string name, int since = 0)
        {
            if (value < since) return;
            if (!_defs.TryGetValue(value, out var instr) || instr.HasRegions || instr.Name != null || instr.Op == Op.Const || instr.Op == Op.This) return;
            var named = instr with { Name = name };
            _defs[value] = named;
            var (home, index) = _home[value];
            home[index] = named;
        }

        /// <summary>Whether <paramref name="value"/> was defined in the innermost open region (not outside it, not a parameter).</summary>
        /// <summary>Whether <paramref name="value"/> is an instruction of a nested region (a branch or a loop), not of the function's own body.</summary>
        public bool IsInNestedRegion(int value) => _home.TryGetValue(value, out var home) && !ReferenceEquals(home.Body, _scopes[0].Body);

        public bool IsInCurrentRegion(int value) => _home.TryGetValue(value, out var home) && ReferenceEquals(home.Body, _scopes[_scopes.Count - 1].Body);

        public IrFunction Build(string name, IEnumerable<IrResult> results) =>
            new IrFunction(name, _params.ToEquatableArray(), Body.ToEquatableArray(), results.ToEquatableArray());

        /// <summary>
        /// A constant. One of an integer (or enum) type keeps its exact value as <paramref name="exact"/> digits, given by a
        /// source literal or else those of <paramref name="value"/>; <paramref name="value"/> is then the nearest double.
        /// </summary>
        public int Const(double value, TypeRef type, string? exact = null)
        {
            if (type.Kind == ValueKind.Float) value = (float)value;
            if (type.IsFloating || type.Kind == ValueKind.Bool) exact = null;
            else exact ??= ((long)value).ToString(System.Globalization.CultureInfo.InvariantCulture);
            // Constants live in the function body, so any region can use them; value numbering
            // keeps one instruction per distinct constant. -0.0 and 0.0 stay distinct (Equals).
            return Emit(Op.Const, type, Array.Empty<int>(), payload: new ConstValue(value, exact));
        }

        /// <summary>An integer constant of <paramref name="type"/>, exactly (a <c>ulong</c> above <c>long.MaxValue</c> too).</summary>
        public int Integer(long value, TypeRef type) => Const(value, type, value.ToString(System.Globalization.CultureInfo.InvariantCulture));

        /// <inheritdoc cref="Integer(long, TypeRef)"/>
        public int Integer(ulong value, TypeRef type) => Const(value, type, value.ToString(System.Globalization.CultureInfo.InvariantCulture));

        /// <summary>
        /// Whether an operation on the constants <paramref name="a"/> and <paramref name="b"/> of <paramref name="type"/> may be
        /// computed here, in double: always for double and float (the double result rounded to float is the float result), for
        /// a floating type parameter only when both are exact in every IEEE type down to Half, so that the double result
        /// converted to T is what T's own arithmetic gives.
        /// </summary>
        private static bool Folds(TypeRef type, double a, double b) =>
            type.Kind != ValueKind.FloatingParameter || (ExactInHalf(a) && ExactInHalf(b));

        /// <summary>Zero, or a number of at most 11 significant bits with an exponent Half's normal range holds.</summary>
        private static bool ExactInHalf(double v)
        {
            if (v == 0) return true;
            if (double.IsNaN(v) || double.IsInfinity(v)) return false;
            long bits = BitConverter.DoubleToInt64Bits(v);
            int exponent = (int)((bits >> 52) & 0x7FF) - 1023;
            long mantissa = bits & 0xFFFFFFFFFFFFFL;
            // 52 fraction bits; Half keeps 10 of them.
            return exponent >= -14 && exponent <= 15 && (mantissa & ((1L << 42) - 1)) == 0;
        }

        public bool IsConst(int value, out double number)
        {
            if (_defs.TryGetValue(value, out var instr) && instr.Op == Op.Const && !instr.HasRegions && (instr.Type.IsNumeric || instr.Type.Kind == ValueKind.Bool))
            {
                number = instr.Constant.Value;
                return true;
            }
            number = 0;
            return false;
        }

        public bool IsConst(int value, double expected) => IsConst(value, out double number) && number.Equals(expected);

        public int Neg(int x, string? name = null)
        {
            var type = TypeOf(x);
            if (IsConst(x, out double c) && type.IsFloating) return Const(-c, type);
            if (_defs.TryGetValue(x, out var def) && def.Op == Op.Neg && name == null) return def.Args[0];
            return Emit(Op.Neg, type, new[] { x }, name);
        }

        public int Add(int x, int y, string? name = null)
        {
            var type = TypeOf(x);
            if (type.IsFloating)
            {
                if (IsConst(x, out double a) && IsConst(y, out double b) && Folds(type, a, b)) return Const(a + b, type);
                if (IsConst(y, 0.0)) return x;
                if (IsConst(x, 0.0)) return y;
                if (_defs.TryGetValue(y, out var def) && def.Op == Op.Neg) return Sub(x, def.Args[0], name);
                // (−x) + y is y − x: no negation left to compute.
                if (_defs.TryGetValue(x, out var negated) && negated.Op == Op.Neg) return Sub(y, negated.Args[0], name);
                // x + x is 2·x exactly; it shows up when an operand is used twice (the partials of x·x).
                if (x == y) return Mul(Const(2, type), x, name);
                if (Existing(Op.Add, type, y, x) is int swapped) return swapped;
            }
            return Emit(Op.Add, type, new[] { x, y }, name);
        }

        public int Sub(int x, int y, string? name = null)
        {
            var type = TypeOf(x);
            if (type.IsFloating)
            {
                if (IsConst(x, out double a) && IsConst(y, out double b) && Folds(type, a, b)) return Const(a - b, type);
                if (IsConst(y, 0.0)) return x;
                if (IsConst(x, 0.0)) return Neg(y, name);
                // −p − c·z is (−c)·z − p: the constant takes the sign (Rosenbrock's ∂/∂x₂ₖ, −b̄·2x − 2a, needs no negation).
                if (_defs.TryGetValue(x, out var negated) && negated.Op == Op.Neg
                    && _defs.TryGetValue(y, out var product) && product.Op == Op.Mul && IsConst(product.Args[0], out double factor))
                    return Sub(Mul(Const(-factor, type), product.Args[1]), negated.Args[0], name);
            }
            return Emit(Op.Sub, type, new[] { x, y }, name);
        }

        public int Mul(int x, int y, string? name = null)
        {
            var type = TypeOf(x);
            if (type.IsFloating)
            {
                if (IsConst(x, out double a) && IsConst(y, out double b) && Folds(type, a, b)) return Const(a * b, type);
                if (IsConst(y, 1.0)) return x;
                if (IsConst(x, 1.0)) return y;
                if (IsConst(y, -1.0)) return Neg(x, name);
                if (IsConst(x, -1.0)) return Neg(y, name);
                // a·(1/z) stays a product: the reciprocal depends only on primal values, so it is computed off the
                // tangent or adjoint chain and shared by every partial that needs it (x/u's two partials, say);
                // folding it into a/z would put a division on the chain.
                // A negated value times a constant is the value times the negated constant: no negation at all.
                if (_defs.TryGetValue(x, out var nx) && nx.Op == Op.Neg && IsConst(y, out double cy)) return Mul(nx.Args[0], Const(-cy, type), name);
                if (_defs.TryGetValue(y, out var ny) && ny.Op == Op.Neg && IsConst(x, out double cx)) return Mul(Const(-cx, type), ny.Args[0], name);
                if (nx != null && nx.Op == Op.Neg) return Neg(Mul(nx.Args[0], y), name);
                if (ny != null && ny.Op == Op.Neg) return Neg(Mul(x, ny.Args[0]), name);
                // y·x is x·y, bit for bit: a partial b·100 is the primal's 100·b.
                if (Existing(Op.Mul, type, y, x) is int swapped) return swapped;
            }
            return Emit(Op.Mul, type, new[] { x, y }, name);
        }

        public int Div(int x, int y, string? name = null)
        {
            var type = TypeOf(x);
            if (type.IsFloating)
            {
                if (IsConst(x, out double a) && IsConst(y, out double b) && Folds(type, a, b)) return Const(a / b, type);
                if (IsConst(y, 1.0)) return x;
            }
            return Emit(Op.Div, type, new[] { x, y }, name);
        }

        public int Convert(int x, TypeRef target, string? name = null)
        {
            var source = TypeOf(x);
            if (source == target) return x;
            if (IsConst(x, out double c) && target.IsFloating)
            {
                // From the exact integer: (float)n rounds once, where (float)(double)n may round twice.
                if (target.Kind == ValueKind.Float && _defs[x].Constant.Digits is string digits)
                {
                    return Const(digits.StartsWith("-", StringComparison.Ordinal) ? (float)long.Parse(digits, System.Globalization.CultureInfo.InvariantCulture)
                        : (float)ulong.Parse(digits, System.Globalization.CultureInfo.InvariantCulture), target);
                }
                return Const(c, target);
            }
            // An integer constant that fits an int or a long is that constant (a loop's start, 0, as a long count).
            if ((target == TypeRef.Int || target == TypeRef.Long) && _defs.TryGetValue(x, out var constant) && constant.IsInteger(out long n)
                && (target == TypeRef.Long || (n >= int.MinValue && n <= int.MaxValue))) return Integer(n, target);
            return Emit(Op.Convert, target, new[] { x }, name);
        }

        public int Compare(Op op, int x, int y) => Emit(op, TypeRef.Bool, new[] { x, y });

        /// <summary>An integer (an int, a long) plus a constant, as <c>x + c</c> or <c>x - c</c>; x itself when c is 0.</summary>
        public int PlusConstant(int value, long constant)
        {
            var type = TypeOf(value);
            return constant == 0 ? value
                : constant > 0 ? Emit(Op.Add, type, new[] { value, Integer(constant, type) })
                : Emit(Op.Sub, type, new[] { value, Integer(-constant, type) });
        }

        public int Select(int condition, int whenTrue, int whenFalse, string? name = null)
        {
            if (whenTrue == whenFalse) return whenTrue;
            return Emit(Op.Select, TypeOf(whenTrue), new[] { condition, whenTrue, whenFalse }, name);
        }

        public int Call(Intrinsic fn, TypeRef type, params int[] args) => Emit(Op.Intrinsic, type, args, payload: new FnRef(fn));
    }
}
