using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace AutoDiff.Generator.Ir
{
    /// <summary>
    /// Checks the SSA invariants every transform must keep: each value defined once, before its uses
    /// and in a block that encloses them; each op's arity, payload and operand types as its row of the op table
    /// (<see cref="OpInfo"/>) says; regions yielding what their if or loop expects.
    /// </summary>
    public static class IrVerifier
    {
        public static IReadOnlyList<string> Verify(IrFunction function)
        {
            var errors = new List<string>();
            var defined = new HashSet<int>();
            var types = new Dictionary<int, TypeRef>();
            var scope = new Dictionary<int, TypeRef>();
            foreach (var p in function.Params) Define(p.Id, p.Type, scope, defined, errors);
            Block(function.Body, scope, defined, errors);
            foreach (var result in function.Results)
            {
                if (!scope.ContainsKey(result.Value)) errors.Add($"result {result.Name} refers to %{result.Value}, not defined in the function body");
            }
            CheckInRange(function, errors);
            return errors;
        }

        /// <summary>
        /// An access marked <see cref="InRange"/> (no bounds check) takes one index into a span the function owns the length
        /// of: a parameter (the companion checks its length against the primal's on entry) or a buffer it makes. An array,
        /// a slice or a struct's field is never one.
        /// </summary>
        private static void CheckInRange(IrFunction function, List<string> errors)
        {
            var definitions = IrWalk.Definitions(function.Body);
            var parameters = function.Params.ToDictionary(p => p.Id, p => p.Type);
            void Walk(EquatableArray<Instr> body)
            {
                foreach (var instr in body)
                {
                    foreach (var region in instr.Regions) Walk(region.Body);
                    if (instr.Payload is not InRange) continue;
                    int sequence = instr.Args[0];
                    TypeRef? type = parameters.TryGetValue(sequence, out var p) ? p
                        : definitions.TryGetValue(sequence, out var def) && def.Op == Op.NewBuffer ? def.Type : null;
                    if (type == null || !(type.Container == Container.Span || type.Container == Container.ReadOnlySpan) || OpInfo.IndexCount(instr) != 1)
                    {
                        errors.Add($"%{instr.Id}: {OpInfo.Row(instr.Op).Mnemonic} is in range only on a span parameter or span buffer of the function");
                    }
                }
            }
            Walk(function.Body);
        }

        private static void Define(int id, TypeRef type, Dictionary<int, TypeRef> scope, HashSet<int> defined, List<string> errors)
        {
            if (!defined.Add(id)) errors.Add($"%{id} defined twice");
            scope[id] = type;
        }

        private static void Block(EquatableArray<Instr> body, Dictionary<int, TypeRef> scope, HashSet<int> defined, List<string> errors)
        {
            foreach (var instr in body)
            {
                foreach (int arg in instr.Args)
                {
                    if (!scope.ContainsKey(arg)) errors.Add($"%{instr.Id} uses %{arg}, which is not defined before it in an enclosing block");
                }
                if (instr.HasRegions)
                {
                    CheckStructure(instr, scope, errors);
                    for (int r = 0; r < instr.Regions.Count; r++)
                    {
                        var region = instr.Regions[r];
                        var inner = new Dictionary<int, TypeRef>(scope);
                        foreach (var p in region.Params) Define(p.Id, p.Type, inner, defined, errors);
                        Block(region.Body, inner, defined, errors);
                        foreach (int y in region.Yields)
                        {
                            if (!inner.ContainsKey(y)) errors.Add($"a region of %{instr.Id} yields %{y}, which it cannot see");
                        }
                        CheckYields(instr, r, region, inner, errors);
                    }
                    foreach (var result in instr.Results) Define(result.Id, result.Type, scope, defined, errors);
                    CheckTypes(instr, scope, errors);
                    continue;
                }
                Define(instr.Id, instr.Type, scope, defined, errors);
                foreach (var result in instr.Results) Define(result.Id, result.Type, scope, defined, errors);
                CheckTypes(instr, scope, errors);
            }
        }

        /// <summary>
        /// An if has a bool condition and two regions without parameters; a loop has a condition and a body region,
        /// each taking one parameter per carried value, of its type, and gives one result per carried value, of its type.
        /// </summary>
        private static void CheckStructure(Instr instr, Dictionary<int, TypeRef> scope, List<string> errors)
        {
            TypeRef? Arg(int i) => scope.TryGetValue(instr.Args[i], out var t) ? t : (TypeRef?)null;
            if (instr.Op == Op.If)
            {
                if (instr.Regions.Count != 2) errors.Add($"if %{instr.Id}: {instr.Regions.Count} regions, expected then and else");
                if (instr.Args.Count != 1 || Arg(0) is TypeRef c && c.Kind != ValueKind.Bool) errors.Add($"if %{instr.Id}: the condition must be one bool");
                if (instr.Regions.Any(r => r.Params.Count != 0)) errors.Add($"if %{instr.Id}: a branch takes no parameters");
                return;
            }
            if (instr.Op != Op.While) return;
            if (instr.Regions.Count != 2)
            {
                errors.Add($"loop %{instr.Id}: {instr.Regions.Count} regions, expected a condition and a body");
                return;
            }
            if (instr.Results.Count != instr.Args.Count) errors.Add($"loop %{instr.Id}: {instr.Results.Count} results for {instr.Args.Count} carried values");
            for (int i = 0; i < instr.Args.Count; i++)
            {
                if (!(Arg(i) is TypeRef carried)) continue;
                if (i < instr.Results.Count && instr.Results[i].Type != carried) errors.Add($"loop %{instr.Id}: result {i} is {instr.Results[i].Type}, carried {carried}");
                for (int r = 0; r < 2; r++)
                {
                    var ps = instr.Regions[r].Params;
                    if (i < ps.Count && ps[i].Type != carried) errors.Add($"loop %{instr.Id}: region {r} parameter {i} is {ps[i].Type}, carried {carried}");
                }
            }
            if (instr.Regions[0].Params.Count != instr.Args.Count) errors.Add($"loop %{instr.Id}: the condition must take every carried value");
        }

        private static void CheckYields(Instr instr, int index, Region region, Dictionary<int, TypeRef> scope, List<string> errors)
        {
            TypeRef? Yield(int i) => scope.TryGetValue(region.Yields[i], out var t) ? t : (TypeRef?)null;
            if (instr.Op == Op.While && index == 0)
            {
                if (region.Yields.Count != 1 || Yield(0)?.Kind != ValueKind.Bool) errors.Add($"loop %{instr.Id}: the condition must yield one bool");
                return;
            }
            var expected = instr.Op == Op.While ? instr.Args.Select(a => scope.TryGetValue(a, out var t) ? t : TypeRef.Void).ToList() : instr.Results.Select(r => r.Type).ToList();
            if (region.Yields.Count != expected.Count)
            {
                errors.Add($"%{instr.Id}: region {index} yields {region.Yields.Count} values, expected {expected.Count}");
                return;
            }
            for (int i = 0; i < expected.Count; i++)
            {
                if (Yield(i) is TypeRef t && t != expected[i]) errors.Add($"%{instr.Id}: region {index} yield {i} is {t}, expected {expected[i]}");
            }
            if (instr.Op == Op.While && region.Params.Count != instr.Args.Count) errors.Add($"loop %{instr.Id}: region {index} must take every carried value");
        }

        /// <summary>
        /// Whether <paramref name="value"/> is the lanes of an element access of <paramref name="sequence"/> (<c>vector-sums</c>,
        /// <c>vector-maps</c>): a vector of its element type, from a span of rank 1 (unchecked when marked in range, else checked
        /// a vector at a time).
        /// </summary>
        private static bool Lanes(TypeRef value, TypeRef sequence) =>
            value.IsVector && value.ElementType == sequence.ElementType && sequence.IsSpan && sequence.Rank == 1;

        /// <summary>The op's row (<see cref="OpInfo"/>): its arity, its payload's type, and its rule for operand and result types.</summary>
        private static void CheckTypes(Instr instr, Dictionary<int, TypeRef> types, List<string> errors)
        {
            var row = OpInfo.Row(instr.Op);
            int count = instr.Args.Count;
            if (count < row.MinArgs || (row.MaxArgs is int max && count > max))
            {
                string expected = row.MaxArgs == row.MinArgs ? row.MinArgs.ToString(CultureInfo.InvariantCulture)
                    : row.MaxArgs is int most ? row.MinArgs + " to " + most : "at least " + row.MinArgs;
                errors.Add($"%{instr.Id}: {row.Mnemonic} takes {expected} operands, not {count}");
                return;
            }
            if (row.Payload == null ? instr.Payload != null : instr.Payload == null ? !row.PayloadOptional : !row.Payload.IsInstanceOfType(instr.Payload))
            {
                errors.Add($"%{instr.Id}: {row.Mnemonic} carries {row.Payload?.Name ?? "no payload"}, not {instr.Payload?.GetType().Name ?? "none"}");
            }
            TypeRef Arg(int i) => types.TryGetValue(instr.Args[i], out var t) ? t : instr.Type;
            void Expect(bool holds, string what)
            {
                if (!holds) errors.Add($"%{instr.Id}: {row.Mnemonic} {what}");
            }
            switch (row.Rule)
            {
                case TypeRule.SameAsResult:
                    for (int i = 0; i < count; i++)
                    {
                        if (Arg(i) != instr.Type) errors.Add($"%{instr.Id}: operand %{instr.Args[i]} is {Arg(i)}, expected {instr.Type}");
                    }
                    break;
                case TypeRule.Compare:
                    Expect(instr.Type.Kind == ValueKind.Bool, "yields bool");
                    Expect(Arg(0) == Arg(1), "compares operands of one type");
                    break;
                case TypeRule.Logic:
                    Expect(instr.Type.Kind == ValueKind.Bool, "yields bool");
                    for (int i = 0; i < count; i++) Expect(Arg(i).Kind == ValueKind.Bool, "takes bools");
                    break;
                case TypeRule.Select:
                    Expect(Arg(0).Kind == ValueKind.Bool, "takes a bool condition");
                    Expect(Arg(1) == instr.Type && Arg(2) == instr.Type, "has arms of the result type");
                    break;
                case TypeRule.Length:
                    Expect(Arg(0).Kind == ValueKind.Sequence, "takes a sequence");
                    Expect(count == 1 || (Arg(0).Rank == 2 && Arg(1).Kind == ValueKind.Integer), "takes, besides a sequence of rank 2, nothing (a dimension or a row)");
                    Expect(instr.Type.Kind == ValueKind.Integer, "yields an integer");
                    break;
                case TypeRule.ElementRead:
                    Expect(Arg(0).Kind == ValueKind.Sequence, "takes a sequence");
                    Expect(OpInfo.IndexCount(instr) == System.Math.Max(1, Arg(0).Rank) && Enumerable.Range(1, OpInfo.IndexCount(instr)).All(i => Arg(i).Kind == ValueKind.Integer), "takes an integer index per dimension");
                    Expect(instr.Type.Kind == Arg(0).Element || Lanes(instr.Type, Arg(0)), "yields the element type");
                    break;
                case TypeRule.ElementWrite:
                    Expect(Arg(0).Kind == ValueKind.Sequence && Arg(0).Container != Container.ReadOnlySpan, "takes a writable sequence");
                    Expect(OpInfo.IndexCount(instr) == System.Math.Max(1, Arg(0).Rank) && Enumerable.Range(1, OpInfo.IndexCount(instr)).All(i => Arg(i).Kind == ValueKind.Integer), "takes an integer index per dimension");
                    Expect(Arg(instr.Args.Count - 1).Kind == Arg(0).Element || Lanes(Arg(instr.Args.Count - 1), Arg(0)), "writes a value of the element type");
                    break;
                case TypeRule.Allocate:
                    Expect(instr.Type.Kind == ValueKind.Sequence && instr.Args.Count == (instr.Type.Rank == 2 ? 2 : 1), "yields a sequence, given a length per dimension");
                    Expect(instr.Payload is Allocation { Kind: BufferKind.Copy } ? Arg(0).Kind == ValueKind.Sequence : Arg(0).Kind == ValueKind.Integer,
                        "takes a length (a copy: the sequence it copies)");
                    break;
                case TypeRule.Convert:
                    Expect(Arg(0).Kind != ValueKind.Sequence && instr.Type.Kind != ValueKind.Sequence, "converts a scalar to a scalar");
                    break;
                case TypeRule.Condition:
                    Expect(Arg(0).Kind == ValueKind.Bool, "takes a bool condition");
                    break;
                case TypeRule.Shift:
                    Expect(instr.Type.Kind == ValueKind.Integer && Arg(0) == instr.Type, "shifts an integer of the result type");
                    Expect(Arg(1) == TypeRef.Int, "takes an int count");
                    break;
                case TypeRule.Table:
                    Expect(instr.Type.Container == Container.ReadOnlySpan && instr.Type.ElementType.IsNumeric, "yields a read-only span of numbers");
                    break;
                case TypeRule.Lanes:
                    Expect(instr.Op == Op.Splat ? instr.Type.IsVector && Arg(0) == instr.Type.ElementType : Arg(0).IsVector && instr.Type == Arg(0).ElementType,
                        instr.Op == Op.Splat ? "makes a vector of its operand's type" : "sums a vector's lanes into its lane type");
                    break;
                case TypeRule.Count:
                    Expect(instr.Type == TypeRef.Void, "defines no value");
                    for (int i = 0; i < count; i++) Expect(Arg(i).Kind == ValueKind.Integer, "takes integer counts");
                    Expect(instr.Payload is not TapeRoom room || (room.Added >= 0 && room.Added <= room.OwnOperands(count)), "adds no more operands than it has");
                    Expect(instr.Payload is not TapeRoom nest || Nested(nest.Inner), "nests loops one level at a time, each adding no more operands than it has");
                    break;
            }
        }

        /// <summary>A reserve's nested loops: the first at depth 1, each at most one deeper than the one before, with operands it adds no more of than it has.</summary>
        private static bool Nested(EquatableArray<InnerRoom> inner)
        {
            int depth = 0;
            foreach (var e in inner)
            {
                if (e.Depth < 1 || e.Depth > depth + 1 || e.Operands < 0 || e.Added < 0 || e.Added > e.Operands) return false;
                depth = e.Depth;
            }
            return true;
        }
    }
}
