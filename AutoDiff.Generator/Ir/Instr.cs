using System;
using System.Collections.Generic;
using System.Linq;

namespace AutoDiff.Generator.Ir
{
    /// <summary>
    /// One SSA instruction: defines value <see cref="Id"/> of <see cref="Type"/> from <see cref="Args"/>.
    /// <see cref="Name"/> is the source variable the value came from (or the tangent/adjoint of one),
    /// kept so emitted code reads like the source. Structured control flow (<see cref="Op.If"/>,
    /// <see cref="Op.While"/>) carries nested <see cref="Regions"/> and defines <see cref="Results"/>
    /// instead of <see cref="Id"/>. What else an op needs (a constant's value, a callee, a tape slot) is its typed
    /// <see cref="Payload"/>; which payload type an op has is a column of its row in <see cref="OpInfo"/>.
    /// </summary>
    public sealed record Instr(
        int Id,
        Op Op,
        TypeRef Type,
        EquatableArray<int> Args,
        string? Name = null,
        Payload? Payload = null,
        EquatableArray<Region> Regions = default,
        EquatableArray<IrParam> Results = default)
    {
        public bool HasRegions => Regions.Count > 0;

        /// <summary>The exact value of an integer constant, when it fits a <c>long</c>.</summary>
        public bool IsInteger(out long value)
        {
            value = 0;
            return Payload is ConstValue constant && constant.IsInteger(out value);
        }

        /// <summary>The payload of a constant.</summary>
        public ConstValue Constant => As<ConstValue>();

        /// <summary>The payload of a call to a named method (a [Differentiable] one, its companions, an ordinary one, an effect).</summary>
        public CallInfo Call => As<CallInfo>();

        /// <summary>The payload of a call to a method with a [DerivativeOf] rule.</summary>
        public RuleCall Rule => As<RuleCall>();

        /// <summary>The payload of a push or pop.</summary>
        public TapeSlot Tape => As<TapeSlot>();

        /// <summary>The payload of a reserve: the tape and how much room.</summary>
        public TapeRoom Room => As<TapeRoom>();

        /// <summary>How a new buffer is made.</summary>
        public BufferKind Buffer => As<Allocation>().Kind;

        /// <summary>The payload of a field or property read.</summary>
        public MemberRef Member => As<MemberRef>();

        /// <summary>The payload of a literal (a string, null).</summary>
        public LiteralText Literal => As<LiteralText>();

        /// <summary>The function of an <see cref="Op.Intrinsic"/>; <see cref="Intrinsic.None"/> for any other op.</summary>
        public Intrinsic Fn => Payload is FnRef f ? f.Fn : Intrinsic.None;

        private T As<T>() where T : Payload =>
            Payload as T ?? throw new InvalidOperationException(Op + " %" + Id + " has no " + typeof(T).Name + " payload");
    }

    /// <summary>
    /// A nested block: parameters (a loop's carried values), a body, and the values it yields to
    /// its parent (an if's results, a loop's next carried values, or a loop condition).
    /// Values defined outside are visible inside; values defined inside leave only as yields.
    /// </summary>
    public sealed record Region(EquatableArray<IrParam> Params, EquatableArray<Instr> Body, EquatableArray<int> Yields);

    public static class IrWalk
    {
        /// <summary>Whether anything in <paramref name="body"/>, nested regions and their yields included, uses <paramref name="value"/>.</summary>
        public static bool Reads(EquatableArray<Instr> body, int value)
        {
            foreach (var instr in body)
            {
                foreach (int arg in instr.Args) if (arg == value) return true;
                foreach (var region in instr.Regions)
                {
                    foreach (int y in region.Yields) if (y == value) return true;
                    if (Reads(region.Body, value)) return true;
                }
            }
            return false;
        }

        /// <summary>Whether an instruction of <paramref name="body"/>, or of a region inside it, is <paramref name="match"/>.</summary>
        public static bool Contains(EquatableArray<Instr> body, Func<Instr, bool> match)
        {
            // Loops, not LINQ: this walks every instruction of a companion, and a lambda per instruction allocates.
            foreach (var instr in body) if (Contains(instr, match)) return true;
            return false;
        }

        /// <summary>Every instruction of <paramref name="body"/> and of the regions nested in it, in program order (an if or loop before what it holds).</summary>
        public static IEnumerable<Instr> All(IEnumerable<Instr> body)
        {
            foreach (var instr in body)
            {
                yield return instr;
                foreach (var region in instr.Regions)
                {
                    foreach (var inner in All(region.Body)) yield return inner;
                }
            }
        }

        /// <summary>Whether <paramref name="instr"/>, or an instruction in a region inside it, is <paramref name="match"/>.</summary>
        public static bool Contains(Instr instr, Func<Instr, bool> match)
        {
            if (match(instr)) return true;
            foreach (var region in instr.Regions) if (Contains(region.Body, match)) return true;
            return false;
        }

        /// <summary>
        /// Every instruction of <paramref name="body"/> and of the regions nested in it, by the value it defines (an if or
        /// loop by its own id), built in one walk: a lookup by id that a loop or a branch cannot hide an instruction from.
        /// </summary>
        public static Dictionary<int, Instr> Definitions(IEnumerable<Instr> body)
        {
            var definitions = new Dictionary<int, Instr>();
            var pending = new Stack<IEnumerable<Instr>>();
            pending.Push(body);
            while (pending.Count > 0)
            {
                foreach (var instr in pending.Pop())
                {
                    definitions[instr.Id] = instr;
                    foreach (var region in instr.Regions) pending.Push(region.Body);
                }
            }
            return definitions;
        }
    }

    /// <summary>A function parameter; it defines value <see cref="Id"/>.</summary>
    public sealed record IrParam(int Id, string Name, TypeRef Type);

    /// <summary>A named function result: the value <see cref="Value"/> leaves the function as <see cref="Name"/>.</summary>
    public sealed record IrResult(string Name, int Value);

    /// <summary>
    /// A function in SSA form: parameters, a straight-line body and named results. Functions are
    /// pure (results depend only on parameters), which is what lets transforms compose.
    /// </summary>
    public sealed record IrFunction(
        string Name,
        EquatableArray<IrParam> Params,
        EquatableArray<Instr> Body,
        EquatableArray<IrResult> Results)
    {
        public override string ToString() => IrPrinter.Print(this);

        /// <summary>The type of a value defined anywhere in the function.</summary>
        public TypeRef TypeOf(int value)
        {
            foreach (var p in Params) if (p.Id == value) return p.Type;
            return Find(Body, value) ?? throw new System.Collections.Generic.KeyNotFoundException("%" + value);
        }

        private static TypeRef? Find(EquatableArray<Instr> body, int value)
        {
            foreach (var instr in body)
            {
                if (instr.Id == value && !instr.HasRegions) return instr.Type;
                foreach (var r in instr.Results) if (r.Id == value) return r.Type;
                foreach (var region in instr.Regions)
                {
                    foreach (var p in region.Params) if (p.Id == value) return p.Type;
                    if (Find(region.Body, value) is TypeRef t) return t;
                }
            }
            return null;
        }
    }
}
