using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace AutoDiff.Generator.Ir
{
    /// <summary>
    /// What an instruction carries besides its operands, typed per op family: which payload an op has is a column of its
    /// row in <see cref="OpInfo"/>. Payloads are records, so <see cref="Instr"/> stays structurally equatable (it is the
    /// incremental cache boundary) and value numbering compares them as values. <see cref="ToString"/> is the printed form
    /// (<see cref="IrPrinter"/>): <c>{field: value, ...}</c>, every field always written, strings quoted as in C#.
    /// </summary>
    public abstract record Payload
    {
        public override string ToString() => "{" + string.Join(", ", Fields().Select(f => f.Name + ": " + f.Value)) + "}";

        /// <summary>The fields in printed order, each as name and printed value.</summary>
        protected abstract IEnumerable<(string Name, string Value)> Fields();

        internal static string Quote(string text) =>
            "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n").Replace("\r", "\\r").Replace("\t", "\\t") + "\"";

        internal static string Flag(bool value) => value ? "true" : "false";
    }

    /// <summary>
    /// A constant of the instruction's type. <see cref="Value"/> is the value as a double (a float constant's is exactly a
    /// float, a bool's is 0 or 1); a constant of an integer or enum type also has its exact value as <see cref="Digits"/>, in
    /// invariant decimal digits, because a double holds integers exactly only up to 2^53 (a <c>long</c> or <c>ulong</c> may not fit).
    /// </summary>
    public sealed record ConstValue(double Value, string? Digits = null) : Payload
    {
        /// <summary>A <c>string</c> constant's text (data only: a switch compares with it); its <see cref="Value"/> is NaN.</summary>
        public string? String { get; init; }

        /// <summary>A <c>string</c> constant.</summary>
        public static ConstValue OfString(string text) => new ConstValue(double.NaN) { String = text };

        /// <summary>The exact value of an integer constant, when it fits a <c>long</c>.</summary>
        public bool IsInteger(out long value)
        {
            value = 0;
            return Digits != null && long.TryParse(Digits, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
        }

        /// <summary>The printed value: an integer's digits, else the double's round-trip form (<c>-0</c>, <c>NaN</c>, <c>Infinity</c> included).</summary>
        public string Text => Digits ?? Value.ToString("R", CultureInfo.InvariantCulture);

        protected override IEnumerable<(string, string)> Fields() { yield return ("value", String != null ? Quote(String) : Text); }

        public override string ToString() => base.ToString();

        /// <summary>
        /// Equal when the bits are: -0.0 and 0.0 are two constants (the default, <c>double.Equals</c>, makes them one, and
        /// value numbering would then turn <c>x * -0.0</c> into <c>x * 0.0</c>); a NaN equals itself.
        /// </summary>
        public bool Equals(ConstValue? other) =>
            other is not null && BitConverter.DoubleToInt64Bits(Value) == BitConverter.DoubleToInt64Bits(other.Value)
            && Digits == other.Digits && String == other.String;

        public override int GetHashCode() => BitConverter.DoubleToInt64Bits(Value).GetHashCode() ^ (Digits?.GetHashCode() ?? 0) ^ (String?.GetHashCode() ?? 0);
    }

    /// <summary>
    /// A set of parameter (or operand) positions, below 64: which parameters of a callee are active. Equatable, hashable,
    /// printed <c>[0, 2]</c>.
    /// </summary>
    public readonly struct ActiveSet : IEquatable<ActiveSet>
    {
        public const int Capacity = 64;

        private readonly ulong _bits;

        private ActiveSet(ulong bits) => _bits = bits;

        public static readonly ActiveSet Empty = default;

        public static ActiveSet Of(IEnumerable<int> positions)
        {
            var set = Empty;
            foreach (int p in positions) set = set.With(p);
            return set;
        }

        /// <summary>This set and <paramref name="position"/>.</summary>
        public ActiveSet With(int position)
        {
            if (position < 0 || position >= Capacity) throw new ArgumentOutOfRangeException(nameof(position), position, "an active set holds positions 0 to 63");
            return new ActiveSet(_bits | (1UL << position));
        }

        public bool Contains(int position) => position >= 0 && position < Capacity && (_bits & (1UL << position)) != 0;

        public int Count
        {
            get
            {
                int count = 0;
                for (ulong b = _bits; b != 0; b &= b - 1) count++;
                return count;
            }
        }

        public bool IsEmpty => _bits == 0;

        /// <summary>The positions in increasing order.</summary>
        public IEnumerable<int> Positions
        {
            get
            {
                for (int i = 0; i < Capacity; i++) if (Contains(i)) yield return i;
            }
        }

        public bool Equals(ActiveSet other) => _bits == other._bits;

        public override bool Equals(object? obj) => obj is ActiveSet other && Equals(other);

        public override int GetHashCode() => _bits.GetHashCode();

        public static bool operator ==(ActiveSet a, ActiveSet b) => a.Equals(b);

        public static bool operator !=(ActiveSet a, ActiveSet b) => !a.Equals(b);

        /// <summary><c>[0, 2]</c>; <see cref="Parse"/> reads it back.</summary>
        public override string ToString() => "[" + string.Join(", ", Positions.Select(p => p.ToString(CultureInfo.InvariantCulture))) + "]";

        /// <summary>Reads the form <see cref="ToString"/> writes.</summary>
        public static ActiveSet Parse(string text)
        {
            string inner = text.Trim();
            if (inner.Length < 2 || inner[0] != '[' || inner[inner.Length - 1] != ']') throw new FormatException("an active set is written [0, 2]: " + text);
            inner = inner.Substring(1, inner.Length - 2).Trim();
            return inner.Length == 0 ? Empty : Of(inner.Split(',').Select(p => int.Parse(p.Trim(), NumberStyles.None, CultureInfo.InvariantCulture)));
        }
    }

    /// <summary>
    /// A call to a named method: <see cref="Callee"/> is the qualified name (for a call on a receiver, the member name),
    /// <see cref="Active"/> which of its parameters carry derivatives (for a call to a [Differentiable] method and its
    /// companions), <see cref="HasEffect"/> whether it may have an effect or see one (a call the generator does not know to be
    /// pure; the frontend sets it from the symbol, calls the transforms make are pure).
    /// </summary>
    public sealed record CallInfo(string Callee, ActiveSet Active = default, bool HasEffect = false, ActiveSet Outputs = default, bool ReturnsValue = false) : Payload
    {
        protected override IEnumerable<(string, string)> Fields()
        {
            yield return ("callee", Quote(Callee));
            yield return ("active", Active.ToString());
            yield return ("effect", Flag(HasEffect));
            // The outputs of a span-output target, on its Vjp rule's call: the rule's Tangent takes their tangents too.
            if (!Outputs.IsEmpty) yield return ("outputs", Outputs.ToString());
            // A callee's Vjp call that also gives the value it returns (merge-pullbacks): its first result.
            if (ReturnsValue) yield return ("value", Flag(true));
        }

        public override string ToString() => base.ToString();
    }

    /// <summary>
    /// A call to a method with a [DerivativeOf] rule: the <see cref="Target"/> (qualified, or <c>.Name</c> for an instance
    /// method called on the first operand), the differentiated operands (<see cref="Active"/>), and the rule: either the
    /// <see cref="Rule"/> method returning the partials, with, for a rule that is itself [Differentiable] with one partial,
    /// the rule's own active parameters (<see cref="RuleActive"/>; null: the caller is first-order only); or, for a function
    /// of arrays or spans, the methods shaped like the target's <see cref="Vjp"/> and <see cref="Jvp"/> (then
    /// <see cref="Rule"/> is null), which calls go through as through a [Differentiable] callee's companions. A target that
    /// returns void writes its <see cref="Outputs"/> (operand positions, spans; empty for any other target): the call is a
    /// statement with an effect on them, and its Vjp and Jvp are shaped like a vector-valued method's.
    /// </summary>
    public sealed record RuleCall(string Target, string? Rule, ActiveSet Active, ActiveSet? RuleActive = null, string? Vjp = null, string? Jvp = null, ActiveSet Outputs = default) : Payload
    {
        protected override IEnumerable<(string, string)> Fields()
        {
            yield return ("target", Quote(Target));
            yield return ("rule", Rule != null ? Quote(Rule) : "none");
            yield return ("active", Active.ToString());
            yield return ("ruleActive", RuleActive?.ToString() ?? "none");
            yield return ("vjp", Vjp != null ? Quote(Vjp) : "none");
            yield return ("jvp", Jvp != null ? Quote(Jvp) : "none");
            yield return ("outputs", Outputs.ToString());
        }

        public override string ToString() => base.ToString();
    }

    /// <summary>What a tape entry holds.</summary>
    public enum TapeEntry
    {
        /// <summary>One value, pushed in the forward sweep for the reverse sweep.</summary>
        Value,
        /// <summary>The number of iterations a loop ran.</summary>
        IterationCount,
        /// <summary>Every element of a local buffer, before a loop overwrites them (a snapshot).</summary>
        WholeBuffer,
    }

    /// <summary>
    /// A <see cref="Op.Push"/> or <see cref="Op.Pop"/>: the tape (<see cref="Of"/>: the type of what it holds), what the entry is, and
    /// <see cref="Pair"/>, the id a push shares with its pop: the recorded value's, the loop's, or the buffer's. A push is
    /// <see cref="Reserved"/> when a <see cref="Op.Reserve"/> before its loop made room for it: it writes without a check.
    /// </summary>
    public sealed record TapeSlot(TypeRef Of, TapeEntry Entry, int Pair, bool Reserved = false) : Payload
    {
        protected override IEnumerable<(string, string)> Fields()
        {
            yield return ("tape", Quote(Of.Display));
            yield return ("entry", Entry.ToString());
            yield return ("pair", Pair.ToString(CultureInfo.InvariantCulture));
            yield return ("reserved", Flag(Reserved));
        }

        public override string ToString() => base.ToString();
    }

    /// <summary>How a <see cref="Op.NewBuffer"/> is made.</summary>
    public enum BufferKind
    {
        /// <summary><c>new T[n]</c>, zeroed by the runtime.</summary>
        New,
        /// <summary><c>stackalloc T[n]</c>, zeroed by the runtime once.</summary>
        Stackalloc,
        /// <summary><c>stackalloc T[n]</c> cleared where it stands (a tangent or adjoint of a stackalloc, made again in a loop).</summary>
        StackallocZeroed,
        /// <summary>A pooled copy of the length operand's sequence (a seed span the sweep may change).</summary>
        Copy,
        /// <summary>A pooled zeroed span of the given length (a tangent or adjoint nobody reads back).</summary>
        Scratch,
    }

    /// <summary>
    /// On an element access (<see cref="Op.Element"/>, <see cref="Op.Read"/>, <see cref="Op.Write"/>, <see cref="Op.AddTo"/>)
    /// of one index: the index is known to be in range, because the forward sweep accessed that element, with the bounds
    /// check, before this access runs (reverse mode marks what its reverse sweep builds: <see cref="Transforms.Reverse"/>).
    /// The emitter writes it without a bounds check (<c>AutoDiff.Unchecked.At</c>). The verifier allows it only on a span
    /// that is a parameter or a buffer the function makes. Printed <c>{inRange: true}</c>.
    /// </summary>
    public sealed record InRange : Payload
    {
        public static readonly InRange Instance = new InRange();

        protected override IEnumerable<(string, string)> Fields() { yield return ("inRange", "true"); }

        public override string ToString() => base.ToString();
    }

    /// <summary>A <see cref="Op.NewBuffer"/>: how the buffer is made.</summary>
    public sealed record Allocation(BufferKind Kind) : Payload
    {
        protected override IEnumerable<(string, string)> Fields() { yield return ("kind", Kind.ToString()); }

        public override string ToString() => base.ToString();
    }

    /// <summary>
    /// A read of a field or property: its qualified name (static) or member name (on a receiver), and whether it may see an
    /// effect (a property getter the generator does not know to be pure, or a field in a method that makes such calls).
    /// </summary>
    public sealed record MemberRef(string Name, bool HasEffect = false) : Payload
    {
        protected override IEnumerable<(string, string)> Fields()
        {
            yield return ("name", Quote(Name));
            yield return ("effect", Flag(HasEffect));
        }

        public override string ToString() => base.ToString();
    }

    /// <summary>
    /// An <see cref="Op.Table"/>: its elements, each written as a <see cref="ConstValue"/> is (<see cref="ConstValue.Text"/>),
    /// separated by commas.
    /// </summary>
    public sealed record ConstTable(string Elements) : Payload
    {
        /// <summary>The elements as constants of <paramref name="element"/>, the table's element type (an integer's exact digits kept).</summary>
        public IEnumerable<ConstValue> Values(TypeRef element) => Elements.Split(',').Select(text => element.IsFloating
            ? new ConstValue(double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture))
            : new ConstValue(double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture), text));

        protected override IEnumerable<(string, string)> Fields() { yield return ("elements", Quote(Elements)); }

        public override string ToString() => base.ToString();
    }

    /// <summary>
    /// An <see cref="Op.Intrinsic"/>: the function from the rule table, and the cost of computing it again, the table's
    /// column for it (<see cref="Derivatives.RuleTable.CostOf"/>), which <see cref="OpInfo.CostOf"/> reads. The cost follows
    /// from the function, so the text form leaves it out and the parser takes it from the table again.
    /// </summary>
    public sealed record FnRef(Intrinsic Fn, Cost Cost) : Payload
    {
        /// <summary>The function with its row's cost: how the frontend, the builder and the parser make one.</summary>
        public FnRef(Intrinsic fn)
            : this(fn, Derivatives.RuleTable.CostOf(fn))
        {
        }

        protected override IEnumerable<(string, string)> Fields() { yield return ("fn", Fn.ToString()); }

        public override string ToString() => base.ToString();
    }

    /// <summary>A <see cref="Op.Literal"/>: the constant's C# source text (<c>"n must be positive"</c>, <c>null</c>).</summary>
    public sealed record LiteralText(string Text) : Payload
    {
        protected override IEnumerable<(string, string)> Fields() { yield return ("text", Quote(Text)); }

        public override string ToString() => base.ToString();
    }

    /// <summary>
    /// A <see cref="Op.Reserve"/>: room on the tape of <see cref="Of"/> for <see cref="PerTrip"/> values per iteration of a loop
    /// whose iteration count is its own operands (all but the <see cref="Inner"/> ones), the first <see cref="Added"/> added
    /// and the others subtracted, plus <see cref="Offset"/> (with no operand, the count is <see cref="Offset"/>). A negative
    /// count reserves nothing. With <see cref="Inner"/>, the loop's nest is reserved at once: each iteration also makes room
    /// for what its nested loops push (see <see cref="Count"/>).
    /// </summary>
    public sealed record TapeRoom(TypeRef Of, long PerTrip, int Added, long Offset) : Payload
    {
        /// <summary>
        /// The loops nested in the reserving one that push on the tape, in preorder: each at its <see cref="InnerRoom.Depth"/>
        /// (1 directly in the reserving loop's body), taking its operands after the reserving loop's and those of the entries
        /// before it. A whole buffer recorded once per iteration is an entry of its length's trips of one value. Printed (only
        /// when there are any) as <c>inner: [depth perTrip operands added offset; ...]</c>.
        /// </summary>
        public EquatableArray<InnerRoom> Inner { get; init; } = EquatableArray<InnerRoom>.Empty;

        /// <summary>How many of the operands count the reserving loop's own iterations.</summary>
        public int OwnOperands(int operands) => operands - Inner.Sum(i => i.Operands);

        /// <summary>
        /// The room made, from the operands' values: trips × (<see cref="PerTrip"/> + Σ room of each loop nested directly), a nested
        /// loop's trips taken as at least 0 (it may run no iteration), in checked <c>long</c> arithmetic (an overflow throws, never
        /// wraps to a smaller room).
        /// </summary>
        public long Count(IReadOnlyList<long> operands)
        {
            int at = OwnOperands(operands.Count), next = 0;
            long Trips(int from, int count, int added, long offset)
            {
                long t = offset;
                for (int i = 0; i < count; i++) t = checked(i < added ? t + operands[from + i] : t - operands[from + i]);
                return t;
            }
            long Nested(int depth)
            {
                long sum = 0;
                while (next < Inner.Count && Inner[next].Depth == depth)
                {
                    var e = Inner[next++];
                    long trips = Math.Max(0, Trips(at, e.Operands, e.Added, e.Offset));
                    at += e.Operands;
                    sum = checked(sum + trips * (e.PerTrip + Nested(depth + 1)));
                }
                return sum;
            }
            long own = Trips(0, at, Added, Offset);
            return checked(own * (PerTrip + Nested(1)));
        }

        protected override IEnumerable<(string, string)> Fields()
        {
            yield return ("tape", Quote(Of.Display));
            yield return ("perTrip", PerTrip.ToString(CultureInfo.InvariantCulture));
            yield return ("added", Added.ToString(CultureInfo.InvariantCulture));
            yield return ("offset", Offset.ToString(CultureInfo.InvariantCulture));
            if (Inner.Count > 0) yield return ("inner", "[" + string.Join("; ", Inner.Select(i => i.ToString())) + "]");
        }

        public override string ToString() => base.ToString();

        /// <summary>Reads <see cref="Inner"/> as printed: <c>[1 2 1 1 0; 2 1 1 1 0]</c>.</summary>
        public static EquatableArray<InnerRoom> ParseInner(string text)
        {
            string body = text.Trim().TrimStart('[').TrimEnd(']').Trim();
            if (body.Length == 0) return EquatableArray<InnerRoom>.Empty;
            return new EquatableArray<InnerRoom>(body.Split(';').Select(entry =>
            {
                var n = entry.Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries);
                if (n.Length != 5) throw new FormatException("an inner room is depth perTrip operands added offset: " + entry);
                int I(string t) => int.Parse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
                long L(string t) => long.Parse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
                return new InnerRoom(I(n[0]), L(n[1]), I(n[2]), I(n[3]), L(n[4]));
            }));
        }
    }

    /// <summary>
    /// A loop nested in a <see cref="TapeRoom"/>'s: how deep (1 directly in the reserving loop), the values one of its
    /// iterations pushes itself, and its iteration count: its <see cref="Operands"/>, the first <see cref="Added"/> added and
    /// the others subtracted, plus <see cref="Offset"/>.
    /// </summary>
    public sealed record InnerRoom(int Depth, long PerTrip, int Operands, int Added, long Offset)
    {
        public override string ToString() => string.Join(" ", new[] { (long)Depth, PerTrip, Operands, Added, Offset }.Select(v => v.ToString(CultureInfo.InvariantCulture)));
    }
}
