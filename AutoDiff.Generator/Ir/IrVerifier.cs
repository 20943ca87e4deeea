using System.Collections.Generic;
using System.Linq;

namespace AutoDiff.Generator.Ir
{
    /// <summary>
    /// Checks the SSA invariants every transform must keep: each value defined once, before its uses
    /// and in a block that encloses them; operand types consistent with the operation; regions
    /// yielding what their if or loop expects.
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
            return errors;
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
            var expected = instr.Op == Op.While ? instr.Args.Select(a => scope.TryGetValue(a, out var t) ? t : default).ToList() : instr.Results.Select(r => r.Type).ToList();
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

        private static void CheckTypes(Instr instr, Dictionary<int, TypeRef> types, List<string> errors)
        {
            TypeRef Arg(int i) => types.TryGetValue(instr.Args[i], out var t) ? t : instr.Type;
            switch (instr.Op)
            {
                case Op.Neg:
                case Op.Add:
                case Op.Sub:
                case Op.Mul:
                case Op.Div:
                case Op.Rem:
                    for (int i = 0; i < instr.Args.Count; i++)
                    {
                        if (Arg(i) != instr.Type) errors.Add($"%{instr.Id}: operand %{instr.Args[i]} is {Arg(i)}, expected {instr.Type}");
                    }
                    break;
                case Op.Lt:
                case Op.Le:
                case Op.Gt:
                case Op.Ge:
                case Op.Eq:
                case Op.Ne:
                    if (instr.Type.Kind != ValueKind.Bool) errors.Add($"%{instr.Id}: a comparison yields bool");
                    if (Arg(0) != Arg(1)) errors.Add($"%{instr.Id}: compared operands differ in type");
                    break;
                case Op.Not:
                    if (Arg(0).Kind != ValueKind.Bool) errors.Add($"%{instr.Id}: 'not' takes a bool");
                    break;
                case Op.Select:
                    if (Arg(0).Kind != ValueKind.Bool) errors.Add($"%{instr.Id}: select condition must be bool");
                    if (Arg(1) != instr.Type || Arg(2) != instr.Type) errors.Add($"%{instr.Id}: select arms must match the result type");
                    break;
            }
        }
    }
}
